//! The wgpu context: adapter choice, device, typed errors, and the one read-back helper.
//!
//! Built once per run and reused by every kernel pipeline ([`crate::walk`], [`crate::rng_probe`]). Errors that
//! wgpu reports asynchronously (validation, out of memory, device lost) are caught with
//! error scopes and a device-lost callback and turned into [`GpuError`].

use std::sync::{Arc, Mutex};

/// How much of naga's run-time checking the shaders keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShaderChecks {
    /// Bounds checks kept (a layout bug cannot write outside a buffer), no loop counters:
    /// those cost ~11 % of the walk kernel on an H100 (docs/PERFORMANCE.md).
    #[default]
    Bounds,
    /// Bounds checks and loop counters, as wgpu builds shaders by default.
    All,
    /// Neither: for timing only.
    None,
}

impl ShaderChecks {
    /// `all`, `none` or `bounds` (the binary reads it from `EXCITON_MC_SHADER_CHECKS`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bounds" => Some(ShaderChecks::Bounds),
            "all" => Some(ShaderChecks::All),
            "none" => Some(ShaderChecks::None),
            _ => None,
        }
    }
}

/// What a caller may choose about the device beyond the adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct GpuOptions {
    pub shader_checks: ShaderChecks,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter found{detail}: install a Vulkan driver (Debian: mesa-vulkan-drivers gives a software device) or use --backend cpu")]
    NoAdapter { detail: String },
    #[error("no adapter matches --adapter {wanted:?}; available: {available}")]
    AdapterNotFound { wanted: String, available: String },
    #[error("cannot open the device on {adapter}: {reason}")]
    RequestDevice { adapter: String, reason: String },
    #[error(
        "{what} needs {bytes} bytes, above this device's limit of {limit} bytes per buffer: {hint}"
    )]
    TooLarge {
        what: String,
        bytes: u64,
        limit: u64,
        hint: String,
    },
    #[error("GPU out of memory while allocating {what}")]
    OutOfMemory { what: String },
    #[error("shader {name} failed to compile: {reason}")]
    Shader { name: String, reason: String },
    #[error("GPU device lost: {0}")]
    DeviceLost(String),
    #[error("waiting for the GPU failed: {0}")]
    Poll(String),
    #[error("cannot map the read-back buffer: {0}")]
    Map(String),
    #[error("{adapter} has no 64-bit integers in shaders (SHADER_INT64)")]
    NoInt64 { adapter: String },
    /// Cancelled between dispatches (Ctrl-C, a walker budget): not a device failure.
    #[error("the run was interrupted")]
    Interrupted,
}

/// Description of one adapter, for `exciton-mc devices` and result files.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
}

impl AdapterSummary {
    fn of(info: &wgpu::AdapterInfo) -> Self {
        AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
        }
    }

    /// Software rasterisers (llvmpipe, lavapipe, SwiftShader) report themselves as CPUs.
    pub fn is_software(&self) -> bool {
        self.device_type == format!("{:?}", wgpu::DeviceType::Cpu)
    }
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if !self.driver.is_empty() {
            write!(f, ", {} {}", self.driver, self.driver_info)?;
        }
        write!(f, ")")
    }
}

fn instance() -> wgpu::Instance {
    // Vulkan/Metal/DX12 only: the GL backend has no usable compute on the machines we
    // run on (an NVIDIA H100 measured in docs/PERFORMANCE.md). WGPU_BACKEND still overrides.
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::PRIMARY;
    wgpu::Instance::new(desc.with_env())
}

/// Every adapter wgpu finds.
pub fn list_adapters() -> Vec<AdapterSummary> {
    let adapters = pollster::block_on(instance().enumerate_adapters(wgpu::Backends::all()));
    adapters
        .iter()
        .map(|a| AdapterSummary::of(&a.get_info()))
        .collect()
}

/// Preference when no name is given: real GPUs first, software devices last.
fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// An open device and its queue, reused for every dispatch of a run.
pub struct GpuContext {
    pub adapter: AdapterSummary,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    /// Features asked for and granted (native 64-bit integers when offered).
    pub features: wgpu::Features,
    options: GpuOptions,
    lost: Arc<Mutex<Option<String>>>,
    /// The host-visible buffer of the last read-back, reused while it is large enough
    /// (a flush per 2^32 walkers must not allocate up to 1 GiB each time).
    staging: Mutex<Option<wgpu::Buffer>>,
}

impl GpuContext {
    /// Opens the adapter whose name contains `wanted` (case-insensitive), or the best one.
    pub fn new(wanted: Option<&str>, options: GpuOptions) -> Result<Self, GpuError> {
        let instance = instance();
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        if adapters.is_empty() {
            return Err(GpuError::NoAdapter {
                detail: String::new(),
            });
        }
        let adapter = match wanted {
            Some(name) => {
                let needle = name.to_lowercase();
                let pos = adapters
                    .iter()
                    .position(|a| a.get_info().name.to_lowercase().contains(&needle));
                match pos {
                    Some(i) => adapters.swap_remove(i),
                    None => {
                        let available = adapters
                            .iter()
                            .map(|a| a.get_info().name)
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err(GpuError::AdapterNotFound {
                            wanted: name.into(),
                            available,
                        });
                    }
                }
            }
            None => {
                adapters.sort_by_key(|a| rank(a.get_info().device_type));
                adapters.swap_remove(0)
            }
        };
        let summary = AdapterSummary::of(&adapter.get_info());
        // Ask for everything the adapter offers: histograms want the largest buffers.
        let limits = adapter.limits();
        let features = adapter.features() & wgpu::Features::SHADER_INT64;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("exciton-mc"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| GpuError::RequestDevice {
            adapter: summary.to_string(),
            reason: e.to_string(),
        })?;
        let lost = Arc::new(Mutex::new(None));
        let flag = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            *flag.lock().unwrap() = Some(format!("{reason:?}: {message}"));
        });
        Ok(GpuContext {
            adapter: summary,
            device,
            queue,
            limits,
            features,
            options,
            lost,
            staging: Mutex::new(None),
        })
    }

    /// The device runs shaders with `u64` (wgpu's `SHADER_INT64`).
    pub fn has_int64(&self) -> bool {
        self.features.contains(wgpu::Features::SHADER_INT64)
    }

    /// Largest storage buffer a kernel may bind.
    pub fn max_storage_bytes(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    /// Runs `f` inside an error scope and reports what it raised.
    pub fn scoped<T>(
        &self,
        filter: wgpu::ErrorFilter,
        f: impl FnOnce() -> T,
        on_error: impl FnOnce(wgpu::Error) -> GpuError,
    ) -> Result<T, GpuError> {
        let scope = self.device.push_error_scope(filter);
        let value = f();
        match pollster::block_on(scope.pop()) {
            Some(e) => Err(on_error(e)),
            None => Ok(value),
        }
    }

    /// Creates a storage buffer, reporting an allocation failure as [`GpuError`].
    pub fn buffer(
        &self,
        what: &str,
        size: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        if size > self.limits.max_buffer_size {
            return Err(GpuError::TooLarge {
                what: what.into(),
                bytes: size,
                limit: self.limits.max_buffer_size,
                hint: "reduce frames or histogram.max_dx_sites".into(),
            });
        }
        self.scoped(
            wgpu::ErrorFilter::OutOfMemory,
            || {
                self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(what),
                    size,
                    usage,
                    mapped_at_creation: false,
                })
            },
            |_| GpuError::OutOfMemory { what: what.into() },
        )
    }

    /// Compiles WGSL, turning validation errors into [`GpuError::Shader`].
    pub fn shader(&self, name: &str, source: &str) -> Result<wgpu::ShaderModule, GpuError> {
        self.scoped(
            wgpu::ErrorFilter::Validation,
            || {
                let desc = wgpu::ShaderModuleDescriptor {
                    label: Some(name),
                    source: wgpu::ShaderSource::Wgsl(source.into()),
                };
                let mut checks = wgpu::ShaderRuntimeChecks::checked();
                match self.options.shader_checks {
                    ShaderChecks::All => return self.device.create_shader_module(desc),
                    ShaderChecks::None => checks = wgpu::ShaderRuntimeChecks::unchecked(),
                    ShaderChecks::Bounds => checks.force_loop_bounding = false,
                }
                // SAFETY: wgpu asks that no loop be infinite. Every loop in the shaders ends:
                // binary searches shrink their range each pass, the rest count up to a
                // bound read from their parameters (frames, states, draws, cells), and
                // the walk's chunk loop steps by chunk_frames >= 1 (tests/it/shaders.rs
                // checks it for the largest state table). Bounds checks go only under
                // `none`, whose indices are those the CPU port checks (tests/it/gpu.rs).
                unsafe { self.device.create_shader_module_trusted(desc, checks) }
            },
            |e| GpuError::Shader {
                name: name.into(),
                reason: e.to_string(),
            },
        )
    }

    /// A compute pipeline for `entry` with the layout the shader implies.
    pub fn pipeline(
        &self,
        name: &str,
        source: &str,
        entry: &str,
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        self.pipeline_with(name, source, entry, &[])
    }

    /// The same, with values for the shader's `override` constants.
    pub fn pipeline_with(
        &self,
        name: &str,
        source: &str,
        entry: &str,
        constants: &[(&str, f64)],
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let module = self.shader(name, source)?;
        self.scoped(
            wgpu::ErrorFilter::Validation,
            || {
                self.device
                    .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                        label: Some(name),
                        layout: None,
                        module: &module,
                        entry_point: Some(entry),
                        compilation_options: wgpu::PipelineCompilationOptions {
                            constants,
                            ..Default::default()
                        },
                        cache: None,
                    })
            },
            |e| GpuError::Shader {
                name: name.into(),
                reason: e.to_string(),
            },
        )
    }

    /// Binds `entries` as group 0 of `pipeline` and runs `groups` workgroups in one
    /// compute pass, submitted and not waited for (every kernel is launched this way).
    pub fn dispatch(
        &self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        entries: &[wgpu::BindGroupEntry],
        groups: u32,
    ) {
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &pipeline.get_bind_group_layout(0),
            entries,
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        }
        self.queue.submit([encoder.finish()]);
    }

    /// Blocks until the queue is idle; reports a lost device.
    pub fn wait(&self) -> Result<(), GpuError> {
        let polled = self.device.poll(wgpu::PollType::wait_indefinitely());
        if let Some(reason) = self.lost.lock().unwrap().clone() {
            return Err(GpuError::DeviceLost(reason));
        }
        polled
            .map(|_| ())
            .map_err(|e| GpuError::Poll(e.to_string()))
    }

    /// Copies `size` bytes of `source` to the host as `u32`s: copy, map, poll, cast.
    pub fn read_back(&self, source: &wgpu::Buffer, size: u64) -> Result<Vec<u32>, GpuError> {
        self.read_back_with(source, size, |words| words.to_vec())
    }

    /// Copies `size` bytes of `source` to the host and hands them to `f` as `u32`s
    /// while mapped, with no copy on the host (batches of a sweep are hundreds of MiB).
    pub fn read_back_with<T>(
        &self,
        source: &wgpu::Buffer,
        size: u64,
        f: impl FnOnce(&[u32]) -> T,
    ) -> Result<T, GpuError> {
        let mut cached = self.staging.lock().unwrap();
        let staging = match cached.take() {
            Some(b) if b.size() >= size => b,
            _ => self.buffer(
                "read-back staging",
                size,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            )?,
        };
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, size);
        self.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        staging
            .slice(..size)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.wait()?;
        rx.recv()
            .map_err(|e| GpuError::Map(format!("the map callback never ran: {e}")))?
            .map_err(|e| GpuError::Map(e.to_string()))?;
        let view = staging
            .get_mapped_range(..size)
            .map_err(|e| GpuError::Map(e.to_string()))?;
        let out = f(bytemuck::cast_slice::<u8, u32>(&view));
        drop(view);
        staging.unmap();
        *cached = Some(staging);
        Ok(out)
    }
}

/// A bind-group entry for the whole of `buffer`.
pub fn whole_buffer(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}
