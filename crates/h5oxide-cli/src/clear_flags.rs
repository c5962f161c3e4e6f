//! `h5ox clear-flags FILE`: clears the superblock's file consistency flags in place, like
//! libhdf5's `h5clear -s`.
//!
//! libhdf5 sets the flags (spec II.A, superblock versions 2 and 3: bit 0 write access,
//! bit 2 SWMR write access) while it has a file open for writing, and refuses to open a
//! file that has them set. A writer that crashed leaves them set; this clears them. It is
//! the only edit h5oxide makes to a superblock in place: the flags byte and the checksum
//! after it, nothing else, with the file locked exclusively (as a writer locks it) so no
//! running writer is disturbed.

use std::io::Write as _;
use std::path::PathBuf;

use h5oxide::format::checksum::lookup3;
use h5oxide::format::superblock::{find_signature, Superblock};
use h5oxide::Locking;
use h5oxide_storage::{Backend, FileBackend};

/// Arguments of `h5ox clear-flags`.
#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file to edit.
    file: PathBuf,
}

/// Offset of the flags byte in a version 2/3 superblock: signature (8), version, size of
/// offsets, size of lengths (spec II.A).
const FLAGS_AT: u64 = 11;

/// Clears the flags, printing what was done.
///
/// # Errors
/// The file cannot be opened, locked, read or written, or has no valid superblock.
pub fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let path = &args.file;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("unable to open {}: {e}", path.display()))?;
    lock(&f, path)?;
    let backend = FileBackend::new(f.try_clone()?, true)?;
    let src: &dyn Backend = &backend;
    let at = find_signature(src)?;
    let sb = Superblock::read(src)?;
    let mut out = std::io::stdout().lock();
    if sb.version < 2 {
        writeln!(
            out,
            "{}: superblock version {} has no file consistency flags; nothing to clear",
            path.display(),
            sb.version
        )?;
        return Ok(());
    }
    if sb.consistency_flags == 0 {
        writeln!(
            out,
            "{}: file consistency flags already clear",
            path.display()
        )?;
        return Ok(());
    }
    // Patch the byte, then the checksum over everything before it (spec II.A: the
    // checksum is the superblock's last 4 bytes, lookup3 of all bytes before them).
    let len = sb.encoded_len();
    let mut bytes = src.read_at(at, len)?.into_owned();
    bytes[FLAGS_AT as usize] = 0;
    let sum = lookup3(&bytes[..len - 4]);
    bytes[len - 4..].copy_from_slice(&sum.to_le_bytes());
    backend.write_at(
        at + FLAGS_AT,
        &bytes[FLAGS_AT as usize..FLAGS_AT as usize + 1],
    )?;
    backend.write_at(at + (len - 4) as u64, &bytes[len - 4..])?;
    backend.sync()?;
    // Read it back through the decoder: the checksum must verify.
    let check = Superblock::read(src)?;
    if check.consistency_flags != 0 {
        return Err("file consistency flags still set after writing".into());
    }
    writeln!(
        out,
        "{}: cleared file consistency flags {:#04x}",
        path.display(),
        sb.consistency_flags
    )?;
    Ok(())
}

/// Takes the exclusive lock a writer takes (the lock is released when `f` and its clones
/// close), as `HDF5_USE_FILE_LOCKING` allows.
fn lock(f: &std::fs::File, path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let locking = Locking::Enabled.effective();
    if locking == Locking::Disabled {
        return Ok(());
    }
    match f.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "unable to lock {} (file is already open by another process; \
             HDF5_USE_FILE_LOCKING=FALSE disables locking)",
            path.display()
        )
        .into()),
        Err(std::fs::TryLockError::Error(e))
            if locking == Locking::BestEffort && e.kind() == std::io::ErrorKind::Unsupported =>
        {
            Ok(())
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("unable to lock {}: {e}", path.display()).into())
        }
    }
}
