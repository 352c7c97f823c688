//! Link settings of the `hestia` binary.
//!
//! On Linux with glibc, relative relocations are packed (`DT_RELR`,
//! `-z pack-relative-relocs`: binutils 2.38 or later, glibc 2.36 or later
//! at run time). The position-independent binary has ~17,000 of them;
//! as `RELA` entries they take 394 KiB, which the dynamic loader reads at
//! every start and which then stay resident; packed, a few KiB.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
