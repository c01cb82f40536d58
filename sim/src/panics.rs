//! Turning a panic into a message, and keeping the default hook quiet while
//! seeds run (a panic there is a finding, reported with its seed).

use std::any::Any;

pub fn message(payload: &Box<dyn Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Replaces the panic hook with one that records the location in the message
/// stream only when `ZKSIM_PANIC_BACKTRACE` is set; otherwise silent.
pub fn quiet_hook() {
    let verbose = std::env::var_os("ZKSIM_PANIC_BACKTRACE").is_some();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if verbose {
            previous(info);
        }
    }));
}
