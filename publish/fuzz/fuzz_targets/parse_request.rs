//! Feeds arbitrary text to the publish-request parser and, when it parses, plans it: bad input
//! must give an error naming the place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(loaded) = aotinterop::PublishRequest::parse(text, Path::new("fuzz.json"), Path::new("/nonexistent")) else {
        return;
    };
    // Planning reads no files when the request names none (lists are refused as unreadable).
    let mut req = loaded.clone();
    req.request.windows_api_list = aotinterop::request::WindowsApiList::Disabled;
    let _ = aotinterop::plan_request(&req);
});
