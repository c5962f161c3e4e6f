//! Point selections: reading a list of scattered elements, each chunk holding any of them
//! read and decoded once (sorting the points by chunk makes n points O(n log n)).

use std::collections::HashMap;

use h5oxide_format::object_header::message::dataspace::DataspaceKind;
use h5oxide_format::object_header::message::layout::Storage;
use h5oxide_format::{ReadAt, UNDEFINED_ADDRESS};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::h5type::{H5Type, Heap};
use crate::selection::{DimSlice, Selection};

impl Dataset {
    /// The stored bytes of the elements at `points` (one coordinate per dimension each), in
    /// the order given.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&[10u8, 11, 12, 13]).create("x")?;
    /// // h5py-style point selection: elements 3 and 0, in that order.
    /// assert_eq!(ds.read_points_bytes(&[vec![3], vec![0]])?, [13, 10]);
    /// assert!(ds.read_points_bytes(&[vec![4]]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a point of the wrong rank or outside the dataset; storage that cannot be
    /// read or decoded.
    pub fn read_points_bytes(&self, points: &[Vec<u64>]) -> Result<Vec<u8>> {
        let shape = self.shape();
        if self.space().kind == DataspaceKind::Null && !points.is_empty() {
            return Err(Error::Usage("a null dataspace has no elements"));
        }
        for p in points {
            if p.len() != shape.len() || p.iter().zip(&shape).any(|(x, n)| x >= n) {
                return Err(Error::Usage("point outside the dataset"));
            }
        }
        let elem = self.dtype().element_size();
        let total = points
            .len()
            .checked_mul(elem)
            .ok_or(Error::Usage("point selection size overflows"))?;
        let mut out = match self.fill_for_read() {
            Some(f) => f.iter().copied().cycle().take(total).collect(),
            None => vec![0u8; total],
        };
        let flat = |p: &[u64], dims: &[u64]| -> u64 {
            p.iter().zip(dims).fold(0u64, |acc, (&x, &n)| acc * n + x)
        };
        match &self.layout().storage {
            Storage::Contiguous { address, .. }
                if *address != UNDEFINED_ADDRESS && self.external_files()?.is_empty() =>
            {
                let src = &self.file().inner.src;
                for (k, p) in points.iter().enumerate() {
                    let at = address + flat(p, &shape) * elem as u64;
                    let b = src.read_at(at, elem)?;
                    out[k * elem..(k + 1) * elem].copy_from_slice(&b);
                }
            }
            Storage::Compact { data, .. } => {
                for (k, p) in points.iter().enumerate() {
                    let at = flat(p, &shape) as usize * elem;
                    let b = data
                        .get(at..at + elem)
                        .ok_or(Error::Usage("compact data shorter than the dataset"))?;
                    out[k * elem..(k + 1) * elem].copy_from_slice(b);
                }
            }
            Storage::Chunked(c) => {
                let chunk_bytes = c
                    .chunk_bytes()
                    .and_then(|b| usize::try_from(b).ok())
                    .ok_or(Error::Usage("chunk size beyond the address space"))?;
                let records = self.records(c)?;
                let by_origin: HashMap<&[u64], _> =
                    records.iter().map(|r| (r.offset.as_slice(), r)).collect();
                // Points grouped by the chunk that holds them.
                let mut order: Vec<(Vec<u64>, usize)> = points
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let o = p.iter().zip(&c.dims).map(|(x, d)| x - x % d).collect();
                        (o, k)
                    })
                    .collect();
                order.sort_unstable();
                // Keep the chunks in the cache when they all fit (see chunks_to_keep).
                let chunks = order.chunk_by(|a, b| a.0 == b.0).count();
                let keep =
                    chunks.saturating_mul(chunk_bytes) <= self.file().inner.chunk_cache.capacity();
                for group in order.chunk_by(|a, b| a.0 == b.0) {
                    let Some(r) = by_origin.get(group[0].0.as_slice()) else {
                        continue; // never written: fill value
                    };
                    if r.address == UNDEFINED_ADDRESS {
                        continue;
                    }
                    let data = self.cached_chunk(r, chunk_bytes, keep)?;
                    for (origin, k) in group {
                        let within: Vec<u64> =
                            points[*k].iter().zip(origin).map(|(x, o)| x - o).collect();
                        let at = flat(&within, &c.dims) as usize * elem;
                        out[k * elem..(k + 1) * elem].copy_from_slice(&data[at..at + elem]);
                    }
                }
            }
            _ => {
                // Virtual datasets, external storage, unallocated contiguous data: one
                // one-element selection per point.
                for (k, p) in points.iter().enumerate() {
                    let dims = p
                        .iter()
                        .map(|&x| DimSlice {
                            start: x,
                            step: 1,
                            count: 1,
                        })
                        .collect();
                    let b = self.read_bytes_selection(&Selection::new(dims, &shape)?)?;
                    out[k * elem..(k + 1) * elem].copy_from_slice(&b);
                }
            }
        }
        Ok(out)
    }

    /// The elements at `points`, converted into `T`, in the order given.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let a = h5oxide::ndarray::array![[1i32, 2, 3], [4, 5, 6]];
    /// let ds = file.root().new_dataset_builder().with_data(&a).chunk([1, 2]).create("x")?;
    /// assert_eq!(ds.read_points::<i32>(&[vec![1, 2], vec![0, 1], vec![1, 0]])?, [6, 2, 4]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read_points_bytes`]; the stored type does not convert into `T`.
    pub fn read_points<T: H5Type>(&self, points: &[Vec<u64>]) -> Result<Vec<T>> {
        let dec = T::decoder(self.dtype())?;
        let bytes = self.read_points_bytes(points)?;
        let mut out = Vec::with_capacity(points.len());
        dec.decode_all(&bytes, &Heap::new(self.file()), &mut out)?;
        Ok(out)
    }
}
