//! Diagnostics: an echo through the completion queue, to measure and stress it without a server.

use crate::{channel::Completion, guard::spawn_request, runtime::RUNTIMES};
use std::time::Duration;

/// Copies `data` (borrowed) and answers `request_id` with it from a runtime thread after
/// `delay_us` microseconds.
///
/// # Safety
/// `data` must be valid for reads of `data_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_diagnostics_echo(
    runtime: u64,
    data: *const u8,
    data_len: usize,
    delay_us: u32,
    request_id: u64,
) -> i32 {
    crate::guard::status(|| {
        let runtime = RUNTIMES.get(runtime)?;
        let data = unsafe { crate::buffers::borrow(data, data_len)? }.to_vec();
        spawn_request(
            &runtime.tokio(),
            runtime.channel.clone(),
            request_id,
            async move {
                if delay_us > 0 {
                    tokio::time::sleep(Duration::from_micros(delay_us as u64)).await;
                }
                Ok(Completion::Bytes(data))
            },
        );
        Ok(())
    })
}
