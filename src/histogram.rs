//! Histogram layout shared by the CPU reference and the GPU kernel, and the 64-bit totals.
//!
//! One flat array holds four sections (MODEL.md section 5), each row ending in an
//! overflow bin, so nothing is ever dropped silently:
//! - `emission[t][dx]`: radiative decays in frame t at displacement dx (the paper's estimator);
//! - `emission_abs[t][x]`: the same at the absolute position x = x0 + dx, x0 from the spot;
//! - `occupancy[t][s][dx]`: walkers in state s at the start of frame t;
//! - `emission_state[t][s]`: radiative decays in frame t from state s.
//!
//! Displacements are along x only (the axis of the measured line profile); y is not pooled.

/// Sizes and offsets of the sections, in counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistLayout {
    pub frames: u32,
    pub states: u32,
    pub max_dx: u32,
    pub spot_radius: u32,
}

impl HistLayout {
    pub fn new(frames: u32, states: u32, max_dx: u32, spot_radius: u32) -> Self {
        HistLayout {
            frames,
            states,
            max_dx,
            spot_radius,
        }
    }

    /// Bins of a displacement row: `-max_dx..=max_dx` then the overflow bin.
    pub fn row_width(&self) -> usize {
        2 * self.max_dx as usize + 2
    }

    /// Half-width of the absolute-position rows: the spot plus the largest counted dx.
    pub fn abs_half_width(&self) -> u32 {
        self.max_dx + self.spot_radius
    }

    pub fn abs_row_width(&self) -> usize {
        2 * self.abs_half_width() as usize + 2
    }

    pub fn emission_offset(&self) -> usize {
        0
    }

    pub fn emission_abs_offset(&self) -> usize {
        self.frames as usize * self.row_width()
    }

    pub fn occupancy_offset(&self) -> usize {
        self.emission_abs_offset() + self.frames as usize * self.abs_row_width()
    }

    pub fn emission_state_offset(&self) -> usize {
        self.occupancy_offset() + (self.frames * self.states) as usize * self.row_width()
    }

    /// Counters in all four sections.
    pub fn len(&self) -> usize {
        self.emission_state_offset() + (self.frames * self.states) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of one `u32` batch histogram.
    pub fn bytes_u32(&self) -> u64 {
        self.len() as u64 * 4
    }

    /// Bin of displacement `dx` in a row of half-width `half`; the overflow bin past it.
    #[inline(always)]
    pub fn bin(dx: i32, half: u32) -> usize {
        if dx.unsigned_abs() <= half {
            (dx + half as i32) as usize
        } else {
            2 * half as usize + 1
        }
    }
}

/// Exact 64-bit totals of all batches of one point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histograms {
    pub layout: HistLayout,
    pub counts: Vec<u64>,
}

impl Histograms {
    pub fn zeros(layout: HistLayout) -> Self {
        Histograms {
            layout,
            counts: vec![0; layout.len()],
        }
    }

    /// Adds one batch's `u32` counters (or another total) into these totals.
    pub fn add_u32(&mut self, batch: &[u32]) {
        assert_eq!(
            batch.len(),
            self.counts.len(),
            "batch histogram has the wrong layout"
        );
        for (total, &c) in self.counts.iter_mut().zip(batch) {
            *total += u64::from(c);
        }
    }

    pub fn add(&mut self, other: &Histograms) {
        assert_eq!(self.layout, other.layout);
        for (total, &c) in self.counts.iter_mut().zip(&other.counts) {
            *total += c;
        }
    }

    /// `emission[t][..]`: `2 max_dx + 1` bins from -max_dx, then the overflow bin.
    pub fn emission(&self, t: usize) -> &[u64] {
        let w = self.layout.row_width();
        &self.counts[self.layout.emission_offset() + t * w..][..w]
    }

    pub fn emission_abs(&self, t: usize) -> &[u64] {
        let w = self.layout.abs_row_width();
        &self.counts[self.layout.emission_abs_offset() + t * w..][..w]
    }

    pub fn occupancy(&self, t: usize, s: usize) -> &[u64] {
        let w = self.layout.row_width();
        let row = t * self.layout.states as usize + s;
        &self.counts[self.layout.occupancy_offset() + row * w..][..w]
    }

    pub fn emission_state(&self, t: usize, s: usize) -> u64 {
        self.counts[self.layout.emission_state_offset() + t * self.layout.states as usize + s]
    }
}

/// Memory a run of one point needs, in bytes, before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemoryEstimate {
    /// Host memory: the u64 totals, plus a u32 histogram per CPU thread (CPU backend) or
    /// one read-back copy (GPU backend).
    pub host_cpu_backend: u64,
    pub host_gpu_backend: u64,
    /// Device memory of the GPU backend: the u32 histogram (tables are tiny).
    pub device: u64,
}

impl HistLayout {
    pub fn memory(&self, threads: usize) -> MemoryEstimate {
        let n = self.len() as u64;
        MemoryEstimate {
            host_cpu_backend: n * 8 + n * 4 * threads.max(1) as u64,
            host_gpu_backend: n * 8 + n * 4,
            device: n * 4,
        }
    }
}

/// Host memory the OS says is available (Linux `MemAvailable`), if it can be read.
pub fn available_host_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
