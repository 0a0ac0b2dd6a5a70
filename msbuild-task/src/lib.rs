//! The C ABI the aotinterop MSBuild task calls. Filled by the MSBuild issue.
