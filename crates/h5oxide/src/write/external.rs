//! Raw data in external files, written (spec IV.A.2.h, External Data Files message): the
//! file names go to a local heap (`""` first, as libhdf5 lays it out), the message lists
//! (name, offset, size) pieces, and the dataset's bytes are written end to end into the
//! pieces. Relative names are resolved against the HDF5 file's folder, as h5oxide reads
//! them (see `crate::external_storage`).

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use h5oxide_format::heap::local::{build_segment, LocalHeap};
use h5oxide_format::object_header::message::external::{ExternalFileEntry, ExternalFiles};
use h5oxide_format::Writer;

use crate::error::{Error, Result};
use crate::external_storage::ExternalFile;
use crate::write::alloc::{Sink, WriteState};

/// Checks that `pieces` can hold `total` bytes (the last piece may be unlimited).
pub(crate) fn check_pieces(pieces: &[ExternalFile], total: u64) -> Result<()> {
    if pieces.is_empty() {
        return Err(Error::Usage("external storage needs at least one file"));
    }
    let mut room: u64 = 0;
    for (i, p) in pieces.iter().enumerate() {
        if p.name.is_empty() || p.name.contains('\0') {
            return Err(Error::Usage(
                "an external file name must be non-empty, without NUL",
            ));
        }
        if p.size == u64::MAX && i + 1 != pieces.len() {
            return Err(Error::Usage("only the last external file may be unlimited"));
        }
        room = room.saturating_add(p.size);
    }
    if room < total {
        return Err(Error::Usage(
            "the external files are smaller than the dataset",
        ));
    }
    Ok(())
}

/// Writes the local heap of the names and returns the message.
pub(crate) fn write_message(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    pieces: &[ExternalFile],
) -> Result<ExternalFiles> {
    let ctx = ws.sb.sizes;
    let mut names: Vec<&[u8]> = vec![b""];
    names.extend(pieces.iter().map(|p| p.name.as_bytes()));
    let seg = build_segment(&names, 0, &ctx)?;
    let len = LocalHeap::encoded_len(&ctx) as u64 + seg.bytes.len() as u64;
    let at = ws.alloc(len)?;
    let mut w = Writer::new();
    LocalHeap {
        data_segment_size: seg.bytes.len() as u64,
        free_list_offset: seg.free_list_offset,
        data_segment_address: at + LocalHeap::encoded_len(&ctx) as u64,
    }
    .encode(&mut w, &ctx)?;
    w.bytes(&seg.bytes);
    sink.write(at, w.as_slice())?;
    let slots =
        u16::try_from(pieces.len()).map_err(|_| Error::Usage("more than 65535 external files"))?;
    Ok(ExternalFiles {
        heap_address: at,
        allocated_slots: slots,
        entries: pieces
            .iter()
            .enumerate()
            .map(|(i, p)| ExternalFileEntry {
                name_offset: seg.offsets[i + 1],
                file_offset: p.offset,
                size: p.size,
            })
            .collect(),
    })
}

/// Where the piece named `name` lives: relative names under `dir`.
fn resolve(dir: Option<&Path>, name: &str) -> PathBuf {
    let p = Path::new(name);
    match dir {
        Some(d) if p.is_relative() => d.join(p),
        _ => p.to_path_buf(),
    }
}

/// Writes `data` (the dataset's bytes from `start`) into the pieces, creating missing files.
pub(crate) fn write_data(
    dir: Option<&Path>,
    pieces: &[ExternalFile],
    start: u64,
    data: &[u8],
) -> Result<()> {
    let mut piece_start = 0u64;
    let end = start + data.len() as u64;
    for p in pieces {
        let piece_end = piece_start.saturating_add(p.size);
        let lo = start.max(piece_start);
        let hi = end.min(piece_end);
        if lo < hi {
            let path = resolve(dir, &p.name);
            let io = |source| Error::Open {
                path: path.clone(),
                source,
            };
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io)?;
            f.seek(SeekFrom::Start(p.offset + (lo - piece_start)))
                .map_err(io)?;
            f.write_all(&data[(lo - start) as usize..(hi - start) as usize])
                .map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        piece_start = piece_end;
        if piece_start >= end {
            break;
        }
    }
    Ok(())
}
