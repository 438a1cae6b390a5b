//! Whether a `--bin` file is a program this machine starts by itself: a native ELF executable
//! (this machine's architecture and word size) or a script whose first line is `#!`. Anything
//! else is refused before a run starts, with what is wrong and the fix. Without this check, the
//! C library's `execvp` hands a file the kernel refuses (`ENOEXEC`) to `/bin/sh`, so a text file
//! or another machine's binary ends the run as a crash full of shell errors; Maelstrom, which
//! starts nodes with Java's `ProcessBuilder`, cannot run such a file either.

use std::io::Read;
use std::path::Path;

/// The ELF header bytes read: up to `e_machine` (offset 18, two bytes).
const HEADER: usize = 20;
const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// `EI_CLASS` values: 32- and 64-bit.
const CLASS_32: u8 = 1;
const CLASS_64: u8 = 2;
/// `EI_DATA` values: little- and big-endian.
const DATA_LSB: u8 = 1;
const DATA_MSB: u8 = 2;

/// What this machine runs natively: an ELF `e_machine` and class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Native {
    pub(crate) machine: u16,
    pub(crate) class: u8,
}

/// This machine's `e_machine` and class, for the architectures Rust builds glomers for on
/// Linux; `None` elsewhere (then any ELF file is let through to the kernel).
pub(crate) fn native() -> Option<Native> {
    let machine: u16 = if cfg!(target_arch = "x86_64") {
        62
    } else if cfg!(target_arch = "x86") {
        3
    } else if cfg!(target_arch = "aarch64") {
        183
    } else if cfg!(target_arch = "arm") {
        40
    } else if cfg!(any(target_arch = "riscv64", target_arch = "riscv32")) {
        243
    } else if cfg!(target_arch = "powerpc64") {
        21
    } else if cfg!(target_arch = "powerpc") {
        20
    } else if cfg!(target_arch = "s390x") {
        22
    } else if cfg!(target_arch = "loongarch64") {
        258
    } else if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
        8
    } else {
        return None;
    };
    let class = if cfg!(target_pointer_width = "64") {
        CLASS_64
    } else {
        CLASS_32
    };
    Some(Native { machine, class })
}

/// Says why `path` cannot be started on this machine, or `None` if it can (or cannot be read:
/// a binary with execute but no read permission is the kernel's to judge).
pub(crate) fn refusal(path: &Path) -> Option<String> {
    let mut head = Vec::with_capacity(HEADER);
    let file = std::fs::File::open(path).ok()?;
    file.take(HEADER as u64).read_to_end(&mut head).ok()?;
    refusal_for(&head, native())
}

/// [`refusal`] from the file's first bytes and the machine's [`Native`] kind.
pub(crate) fn refusal_for(head: &[u8], native: Option<Native>) -> Option<String> {
    if head.starts_with(b"#!") {
        return None;
    }
    let here = native.map_or_else(|| "this machine".to_string(), describe_native);
    if head.starts_with(&ELF_MAGIC) {
        let native = native?;
        if head.len() < HEADER {
            return Some(format!(
                "a truncated ELF file (only {} bytes); build it again for this machine ({here})",
                head.len()
            ));
        }
        let class = head[4];
        let machine = match head[5] {
            DATA_LSB => u16::from_le_bytes([head[18], head[19]]),
            DATA_MSB => u16::from_be_bytes([head[18], head[19]]),
            _ => 0,
        };
        if machine == native.machine && class == native.class {
            return None;
        }
        return Some(format!(
            "a binary for {}, but this machine runs {here} programs; build it for this machine",
            describe(machine, class)
        ));
    }
    let what = if head.starts_with(b"MZ") {
        "a Windows (PE) program".to_string()
    } else if [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
    ]
    .iter()
    .any(|magic| head.starts_with(magic))
    {
        "a macOS (Mach-O) program".to_string()
    } else {
        return Some(
            "neither a native program nor a script with a #! line; if it is a script, add one \
             as its first line (e.g. #!/usr/bin/env python3), or give a program built for this \
             machine"
                .to_string(),
        );
    };
    Some(format!(
        "{what}, which this machine cannot run; build it for this machine ({here})"
    ))
}

fn describe_native(native: Native) -> String {
    describe(native.machine, native.class)
}

/// `x86-64, 64-bit`, `AArch64 (arm64), 64-bit`, `ELF machine type 9999, 32-bit`.
fn describe(machine: u16, class: u8) -> String {
    let name = match machine {
        3 => "x86 (i386)".to_string(),
        8 => "MIPS".to_string(),
        20 => "PowerPC".to_string(),
        21 => "PowerPC64".to_string(),
        22 => "s390x".to_string(),
        40 => "ARM".to_string(),
        62 => "x86-64".to_string(),
        183 => "AArch64 (arm64)".to_string(),
        243 => "RISC-V".to_string(),
        258 => "LoongArch".to_string(),
        other => format!("ELF machine type {other}"),
    };
    let bits = match class {
        CLASS_32 => "32-bit",
        CLASS_64 => "64-bit",
        _ => "unknown word size",
    };
    format!("{name}, {bits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const X86_64: Native = Native {
        machine: 62,
        class: CLASS_64,
    };

    /// An ELF header with `class`, little-endian, for `machine`.
    fn elf(class: u8, machine: u16) -> Vec<u8> {
        let mut head = vec![0u8; HEADER];
        head[..4].copy_from_slice(&ELF_MAGIC);
        head[4] = class;
        head[5] = DATA_LSB;
        head[18..20].copy_from_slice(&machine.to_le_bytes());
        head
    }

    #[test]
    fn scripts_and_native_binaries_run() {
        assert_eq!(refusal_for(b"#!/usr/bin/env python3\n", Some(X86_64)), None);
        assert_eq!(refusal_for(&elf(CLASS_64, 62), Some(X86_64)), None);
        // Where glomers does not know its own kind, the kernel decides.
        assert_eq!(refusal_for(&elf(CLASS_64, 183), None), None);
    }

    #[test]
    fn text_without_a_shebang_is_refused_with_the_fix() {
        for head in [&b"print('hi')\n"[..], b"", b"{\"src\":"] {
            let why = refusal_for(head, Some(X86_64)).expect("refused");
            assert!(why.contains("#! line") && why.contains("add one"), "{why}");
            assert!(!why.contains('\n'), "one line: {why}");
        }
    }

    #[test]
    fn another_machine_s_binary_is_refused_naming_both() {
        let why = refusal_for(&elf(CLASS_64, 183), Some(X86_64)).expect("refused");
        assert!(
            why.contains("AArch64") && why.contains("x86-64") && why.contains("build it"),
            "{why}"
        );
        let why = refusal_for(&elf(CLASS_32, 62), Some(X86_64)).expect("wrong word size");
        assert!(why.contains("32-bit") && why.contains("64-bit"), "{why}");
        let mut big = elf(CLASS_64, 0);
        big[5] = DATA_MSB;
        big[18..20].copy_from_slice(&62u16.to_be_bytes());
        assert_eq!(
            refusal_for(&big, Some(X86_64)),
            None,
            "byte order is honoured"
        );
        let why = refusal_for(&elf(CLASS_64, 62)[..10], Some(X86_64)).expect("truncated");
        assert!(why.contains("truncated"), "{why}");
        let why = refusal_for(&[0xcf, 0xfa, 0xed, 0xfe, 7], Some(X86_64)).expect("Mach-O");
        assert!(why.contains("macOS"), "{why}");
        let why = refusal_for(b"MZ\x90\x00", Some(X86_64)).expect("PE");
        assert!(why.contains("Windows"), "{why}");
    }

    #[test]
    fn this_machine_knows_its_own_kind() {
        let exe = std::env::current_exe().expect("the test binary");
        assert_eq!(refusal(&exe), None, "the running test binary is native");
    }
}
