//! The library's version, so that the host can refuse a library built for another release.

use std::ffi::c_char;

/// The crate's version, NUL-terminated, in static storage.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Returns the library's version (`"0.1.0"`) as a NUL-terminated UTF-8 string.
///
/// The string is static: the caller reads it and never frees it. Cannot fail.
#[no_mangle]
pub extern "C" fn tbs_bridge_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_the_crate_version() {
        let version = unsafe { CStr::from_ptr(tbs_bridge_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
