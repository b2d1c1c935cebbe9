//! The host's integer tables that turn a walker's `u32` draws into decisions: cumulative
//! thresholds of outcome probabilities, the initial spot and the Poisson table of
//! continuous time, with the probabilities they really implement (which the exact
//! backend uses). Built once per point; the kernels only compare draws with them.

/// 2^32 as f64: a probability p becomes round(p * 2^32) draws out of 2^32.
pub const TWO_POW_32: f64 = 4_294_967_296.0;

/// Cumulative `u32` thresholds for outcomes with probabilities `probs` (sum <= 1).
///
/// Outcome i is taken when `cum[i-1] <= u < cum[i]`. Cumulative sums are rounded (not
/// the single probabilities), so rounding errors do not add up. A cumulative value of
/// exactly 1 cannot be held in a `u32`; it saturates at `u32::MAX`, leaving a 2^-32
/// chance for "none of these". [`threshold_probabilities`] gives the probabilities the
/// thresholds really implement, which the exact backend uses.
pub(crate) fn cumulative_thresholds(probs: &[f64]) -> Vec<u32> {
    let mut acc = 0.0f64;
    probs
        .iter()
        .map(|p| {
            acc += p;
            quantize_cumulative(acc)
        })
        .collect()
}

/// One cumulative probability as a `u32` threshold (saturating at `u32::MAX`).
pub fn quantize_cumulative(c: f64) -> u32 {
    let v = (c.clamp(0.0, 1.0) * TWO_POW_32).round();
    if v >= TWO_POW_32 {
        u32::MAX
    } else {
        v as u32
    }
}

/// The probabilities that cumulative thresholds implement: differences over 2^32.
pub(crate) fn threshold_probabilities(cum: &[u32]) -> Vec<f64> {
    let mut prev = 0u32;
    cum.iter()
        .map(|&c| {
            let p = f64::from(c - prev) / TWO_POW_32;
            prev = c;
            p
        })
        .collect()
}

/// The initial spot: a discretised Gaussian of width `sigma` sites as cumulative thresholds
/// over offsets `-radius..=radius`, radius = ceil(6 sigma).
#[derive(Clone, Debug, PartialEq)]
pub struct SpotTable {
    /// Half-width of the table, in sites: ceil(6 sigma).
    pub radius: u32,
    /// Cumulative `u32` thresholds of the offsets `-radius..=radius`, the last saturated.
    pub cumulative: Vec<u32>,
    /// Where the CPU walk starts its search for a draw u: per top [`GUIDE_BITS`] bits of
    /// u, the entry of the smallest draw with those bits (`spot_entry_guided`).
    pub guide: Vec<u32>,
}

/// Top bits of a draw that index a spot table's guide: 2^10 entries (4 KiB) put about
/// one threshold in ten in a bucket of draws for a 121-entry spot (sigma 10 sites).
pub const GUIDE_BITS: u32 = 10;

impl SpotTable {
    /// Half-width of the table for `sigma`: 6 sigma, where the Gaussian tail is ~1e-9.
    pub(crate) fn radius_for(sigma: f64) -> u32 {
        (6.0 * sigma).ceil() as u32
    }

    /// The table of a Gaussian of standard deviation `sigma` sites (0: every walker starts
    /// at offset 0).
    pub fn gaussian(sigma: f64) -> Self {
        let radius = Self::radius_for(sigma);
        let weights: Vec<f64> = (-(radius as i64)..=radius as i64)
            .map(|k| {
                if sigma == 0.0 {
                    1.0
                } else {
                    (-(k as f64).powi(2) / (2.0 * sigma * sigma)).exp()
                }
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let probs: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let mut cumulative = cumulative_thresholds(&probs);
        // The last entry must catch every draw.
        *cumulative
            .last_mut()
            .expect("spot table has at least one entry") = u32::MAX;
        let guide = (0..1u32 << GUIDE_BITS)
            .map(|j| spot_entry(&cumulative, j << (32 - GUIDE_BITS)) as u32)
            .collect();
        SpotTable {
            radius,
            cumulative,
            guide,
        }
    }

    /// Offset in sites for draw `u` (`spot_entry`).
    #[inline]
    pub fn offset(&self, u: u32) -> i32 {
        spot_entry(&self.cumulative, u) as i32 - self.radius as i32
    }

    /// The probability of each offset that the table implements.
    pub fn probabilities(&self) -> Vec<f64> {
        let mut p = threshold_probabilities(&self.cumulative);
        // The saturated last entry also takes u = u32::MAX.
        *p.last_mut().unwrap() += 1.0 / TWO_POW_32;
        p
    }
}

/// The standard normal quantile Phi^-1(p), 0 < p < 1: Acklam's rational approximation
/// refined by one Halley step on erfc (relative error ~1e-15).
#[allow(clippy::excessive_precision)] // Acklam's published coefficients, as written
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383577518672690e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The entry of a cumulative table (the spot's; a landscape's energy levels) that draw
/// `u` falls on: the first whose threshold exceeds `u`, the last one if none does (it is
/// saturated, so `u32::MAX` lands there). The shader's `spot_offset` finds the same
/// entry by binary search; this one has no branches (`partition_point` compiles to
/// conditional moves). It builds the spot's guide, with which the CPU walk searches
/// ([`spot_entry_guided`]).
#[inline(always)]
pub(crate) fn spot_entry(cumulative: &[u32], u: u32) -> usize {
    cumulative[..cumulative.len() - 1].partition_point(|&c| c <= u)
}

/// The entry [`spot_entry`] gives, found from the table's guide: the entry of the
/// smallest draw in u's bucket, then forward past the thresholds at or below u (about
/// one in ten buckets holds one). A walker's start searches the spot once or twice
/// (x, and y in a landscape): this takes one load where a binary search chains seven.
#[inline(always)]
pub(crate) fn spot_entry_guided(cumulative: &[u32], guide: &[u32], u: u32) -> usize {
    let last = cumulative.len() - 1;
    let mut i = guide[(u >> (32 - GUIDE_BITS)) as usize] as usize;
    while i < last && cumulative[i] <= u {
        i += 1;
    }
    i
}

/// Most entries of a Poisson table (candidates per frame + 1). Bounds how often one
/// walker can touch one workgroup cell in a frame, which keeps the shader's 32-bit
/// cell words from wrapping (walk.wgsl, SHARED_CELL_WORDS).
pub(crate) const MAX_POISSON_LEN: usize = 128;

/// The cumulative `u32` table of Poisson(`mean`) counts, cut where the remaining tail is
/// below what a `u32` threshold resolves (the last entry saturated: it takes the tail).
/// Most entries a Poisson table is built with: far past what a frame may hold
/// (`MAX_POISSON_LEN`), so that a longer one is still seen as too long.
const POISSON_CAP: usize = 4096;

pub(crate) fn poisson_table(mean: f64) -> Vec<u32> {
    let mut pmf = vec![(-mean).exp()];
    let mut cdf = pmf[0];
    // Past the mode, stop once the tail can no longer move a threshold; and at
    // POISSON_CAP entries whatever the mean (a table that long is refused by validation,
    // which must not first build one of `mean` entries: a fuzzed rate of 1e12 did).
    while ((1.0 - cdf) * TWO_POW_32 >= 0.5 || (pmf.len() as f64) < mean) && pmf.len() <= POISSON_CAP
    {
        let k = pmf.len() as f64;
        let next = pmf[pmf.len() - 1] * mean / k;
        pmf.push(next);
        cdf += next;
        if next == 0.0 && k > mean {
            break;
        }
    }
    let mut table = cumulative_thresholds(&pmf);
    *table.last_mut().expect("a Poisson table has an entry") = u32::MAX;
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_mean_gives_a_capped_table_not_an_allocation_of_its_size() {
        let t = poisson_table(1e12);
        assert!(
            t.len() > MAX_POISSON_LEN && t.len() <= POISSON_CAP + 1,
            "{}",
            t.len()
        );
        assert_eq!(*t.last().unwrap(), u32::MAX);
    }

    #[test]
    fn thresholds_round_cumulative_and_saturate() {
        let t = cumulative_thresholds(&[0.25, 0.25, 0.5]);
        assert_eq!(t, vec![1 << 30, 1 << 31, u32::MAX]);
        let p = threshold_probabilities(&t);
        assert_eq!(p[0], 0.25);
        assert!((p[2] - (0.5 - 1.0 / TWO_POW_32)).abs() < 1e-18);
    }

    #[test]
    fn the_guided_search_finds_the_entry_of_the_binary_search() {
        for sigma in [0.0, 0.4, 3.0, 10.0, 250.0] {
            let s = SpotTable::gaussian(sigma);
            let mut rng = crate::kernels::rng::Pcg32::new(7, 11);
            // Every threshold, its neighbours, the ends and random draws.
            let mut draws: Vec<u32> = s
                .cumulative
                .iter()
                .flat_map(|&c| [c.wrapping_sub(1), c, c.wrapping_add(1)])
                .collect();
            draws.extend([0, 1, u32::MAX - 1, u32::MAX]);
            draws.extend((0..100_000).map(|_| rng.next_u32()));
            for u in draws {
                assert_eq!(
                    spot_entry_guided(&s.cumulative, &s.guide, u),
                    spot_entry(&s.cumulative, u),
                    "sigma {sigma}, u {u}"
                );
            }
        }
    }

    #[test]
    fn spot_table_is_symmetric_and_normalised() {
        let s = SpotTable::gaussian(10.0);
        assert_eq!(s.radius, 60);
        let p = s.probabilities();
        let total: f64 = p.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "total {total}");
        assert_eq!(s.offset(0), -60);
        assert_eq!(s.offset(u32::MAX), 60);
        let var: f64 = p
            .iter()
            .enumerate()
            .map(|(i, p)| p * (i as f64 - 60.0).powi(2))
            .sum();
        // Truncation at 6 sigma removes ~5e-8 of the variance.
        assert!((var - 100.0).abs() < 1e-4, "variance {var}");
    }
}
