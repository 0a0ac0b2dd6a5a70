//! Stub objects, export files, linker drivers, image inspection and verification. Filled by the linker issue.
