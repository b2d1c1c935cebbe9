//! `exciton-mc devices`: the GPU adapters wgpu finds.

use anyhow::Result;

pub(crate) fn devices_command() -> Result<()> {
    #[cfg(feature = "gpu")]
    {
        let adapters = exciton_gpu::context::list_adapters();
        if adapters.is_empty() {
            println!("no GPU adapters found (the cpu and exact backends still work)");
        }
        for (i, a) in adapters.iter().enumerate() {
            println!("{i}: {a}");
        }
    }
    #[cfg(not(feature = "gpu"))]
    println!("built without the gpu feature: no GPU adapters (the cpu and exact backends work)");
    Ok(())
}
