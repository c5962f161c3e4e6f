//! Typed reads of datasets and attributes into vectors and `ndarray` arrays, the way
//! hdf5-rust reads them: `read_raw`, `read::<T, D>`, `read_1d`, `read_2d`, `read_dyn`,
//! `read_scalar`, `read_slice(s![..])`, `read_into`.
//!
//! ```no_run
//! use ndarray::s;
//! let file = h5oxide::File::open("data.h5")?;
//! let ds = file.root().dataset("images")?;
//! let all: ndarray::Array2<f32> = ds.read_2d()?;
//! let row: ndarray::Array1<f32> = ds.read_slice_1d(s![5, ..])?;
//! let every_third: ndarray::Array2<f32> = ds.read_slice_2d(s![2..10;3, ..])?;
//! # Ok::<(), h5oxide::Error>(())
//! ```

use h5oxide_format::object_header::message::dataspace::DataspaceKind;
use ndarray::{
    Array, Array1, Array2, ArrayD, Dimension, Ix1, Ix2, IxDyn, SliceInfo, SliceInfoElem,
};

use crate::attribute::{Attribute, Attributes};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::h5type::{Decoder, H5Type, Heap};
use crate::selection::{DimSlice, Selection};

/// A selection of a dataset's elements given the way ndarray slices arrays: `s![..]`
/// ([`SliceInfo`]), a slice of [`SliceInfoElem`], or an h5oxide [`Selection`].
///
/// Slices follow ndarray: `start..end;step` with negative `start`/`end` counted from the end
/// of the axis and `end` before `start` selecting nothing; a single index selects one position
/// and drops the axis; `NewAxis` adds an axis of length 1; axes not mentioned are taken whole.
/// Unlike ndarray, steps must be at least 1 (HDF5 selections cannot go backwards), and
/// indices past an axis are errors, not panics.
pub trait SliceSpec {
    /// The selection on a dataset of shape `shape` and the shape of the result.
    ///
    /// # Errors
    /// `Usage` for indices outside the shape, a step below 1, or too many indices.
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)>;
}

/// `i` counted from the end of an axis of length `len` when negative.
fn absolute(len: u64, i: isize) -> Result<u64> {
    if i < 0 {
        len.checked_sub(i.unsigned_abs() as u64).ok_or(Error::Usage(
            "negative index reaches before the start of an axis",
        ))
    } else {
        Ok(i as u64)
    }
}

fn resolve_elems(elems: &[SliceInfoElem], shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
    let mut dims = Vec::with_capacity(shape.len());
    let mut out = Vec::with_capacity(elems.len() + shape.len());
    let mut axes = shape.iter();
    for e in elems {
        let mut next = || {
            axes.next()
                .copied()
                .ok_or(Error::Usage("more slice indices than dataset dimensions"))
        };
        match *e {
            SliceInfoElem::NewAxis => out.push(1),
            SliceInfoElem::Index(i) => {
                let len = next()?;
                let i = absolute(len, i)?;
                if i >= len {
                    return Err(Error::Usage("index past the end of an axis"));
                }
                dims.push(DimSlice {
                    start: i,
                    step: 1,
                    count: 1,
                });
            }
            SliceInfoElem::Slice { start, end, step } => {
                let len = next()?;
                if step < 1 {
                    return Err(Error::Usage(
                        "slice step must be at least 1 (HDF5 cannot read backwards)",
                    ));
                }
                let step = step as u64;
                let start = absolute(len, start)?;
                let end = match end {
                    Some(e) => absolute(len, e)?,
                    None => len,
                };
                if start > len || end > len {
                    return Err(Error::Usage("slice reaches past the end of an axis"));
                }
                let count = if end > start {
                    (end - start).div_ceil(step)
                } else {
                    0
                };
                dims.push(DimSlice { start, step, count });
                out.push(count);
            }
        }
    }
    for &len in axes {
        dims.push(DimSlice::all(len));
        out.push(len);
    }
    Ok((Selection::new(dims, shape)?, out))
}

impl<T: AsRef<[SliceInfoElem]>, Din: Dimension, Dout: Dimension> SliceSpec
    for SliceInfo<T, Din, Dout>
{
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self.as_ref(), shape)
    }
}

impl SliceSpec for [SliceInfoElem] {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self, shape)
    }
}

impl<const N: usize> SliceSpec for [SliceInfoElem; N] {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self, shape)
    }
}

impl SliceSpec for Selection {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        let checked = Selection::new(self.dims().to_vec(), shape)?;
        let out = checked.shape();
        Ok((checked, out))
    }
}

impl<S: SliceSpec + ?Sized> SliceSpec for &S {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        (**self).resolve(shape)
    }
}

/// Fails early when `D` has a fixed rank other than `rank`.
fn check_rank<D: Dimension>(rank: usize) -> Result<()> {
    match D::NDIM {
        Some(n) if n != rank => Err(Error::Usage(
            "the data's rank differs from the requested array dimension",
        )),
        _ => Ok(()),
    }
}

fn to_array<T, D: Dimension>(values: Vec<T>, shape: &[u64]) -> Result<Array<T, D>> {
    check_rank::<D>(shape.len())?;
    let shape = shape
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| Error::Usage("shape beyond the address space"))?;
    Array::from_shape_vec(IxDyn(&shape), values)
        .map_err(|_| Error::Usage("element count differs from the shape"))?
        .into_dimensionality::<D>()
        .map_err(|_| Error::Usage("the data's rank differs from the requested array dimension"))
}

fn decode_vec<T>(dec: &Decoder<T>, bytes: &[u8], heap: &Heap<'_>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    dec.decode_all(bytes, heap, &mut out)?;
    Ok(out)
}

fn not_null(kind: DataspaceKind) -> Result<()> {
    if kind == DataspaceKind::Null {
        Err(Error::Usage(
            "a null dataspace holds no data and has no shape",
        ))
    } else {
        Ok(())
    }
}

fn single<T>(mut v: Vec<T>) -> Result<T> {
    match v.pop() {
        Some(x) if v.is_empty() => Ok(x),
        _ => Err(Error::Usage("exactly one element expected")),
    }
}

impl Dataset {
    /// Every element converted into `T`, row-major (one for a scalar, none for a null
    /// dataspace).
    ///
    /// # Errors
    /// The stored type does not convert into `T` (see [`H5Type`]); storage that cannot be
    /// read or decoded.
    pub fn read_raw<T: H5Type>(&self) -> Result<Vec<T>> {
        let dec = T::decoder(self.dtype())?;
        self.with_all_bytes(|bytes| decode_vec(&dec, bytes, &Heap::new(self.file())))
    }

    /// The whole dataset as an array of dimension `D` (use [`type@IxDyn`] for any rank, `Ix0` for
    /// a scalar).
    ///
    /// # Errors
    /// `Usage` if the rank differs from `D`'s or the dataspace is null; as
    /// [`Dataset::read_raw`].
    pub fn read<T: H5Type, D: Dimension>(&self) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        check_rank::<D>(self.ndim())?;
        to_array(self.read_raw()?, &self.shape())
    }

    /// The whole one-dimensional dataset.
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_1d<T: H5Type>(&self) -> Result<Array1<T>> {
        self.read::<T, Ix1>()
    }

    /// The whole two-dimensional dataset.
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_2d<T: H5Type>(&self) -> Result<Array2<T>> {
        self.read::<T, Ix2>()
    }

    /// The whole dataset, whatever its rank.
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_dyn<T: H5Type>(&self) -> Result<ArrayD<T>> {
        self.read::<T, IxDyn>()
    }

    /// The value of a scalar dataset.
    ///
    /// # Errors
    /// `Usage` unless the dataspace is scalar; as [`Dataset::read_raw`].
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        if self.space().kind != DataspaceKind::Scalar {
            return Err(Error::Usage("read_scalar needs a scalar dataspace"));
        }
        single(self.read_raw()?)
    }

    /// The elements `selection` selects (`s![..]`, see [`SliceSpec`]), as an array of
    /// dimension `D` — the dataset's rank less the axes given single indices, plus new
    /// axes. Only the chunks the selection touches are read.
    ///
    /// # Errors
    /// `Usage` for a selection outside the dataset, a step below 1, or a result rank other
    /// than `D`'s; as [`Dataset::read_raw`].
    pub fn read_slice<T: H5Type, S: SliceSpec, D: Dimension>(
        &self,
        selection: S,
    ) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        let (sel, shape) = selection.resolve(&self.shape())?;
        check_rank::<D>(shape.len())?;
        let dec = T::decoder(self.dtype())?;
        let bytes = self.read_bytes_selection(&sel)?;
        to_array(decode_vec(&dec, &bytes, &Heap::new(self.file()))?, &shape)
    }

    /// A one-dimensional slice (see [`Dataset::read_slice`]).
    ///
    /// # Errors
    /// As [`Dataset::read_slice`].
    pub fn read_slice_1d<T: H5Type, S: SliceSpec>(&self, selection: S) -> Result<Array1<T>> {
        self.read_slice::<T, S, Ix1>(selection)
    }

    /// A two-dimensional slice (see [`Dataset::read_slice`]).
    ///
    /// # Errors
    /// As [`Dataset::read_slice`].
    pub fn read_slice_2d<T: H5Type, S: SliceSpec>(&self, selection: S) -> Result<Array2<T>> {
        self.read_slice::<T, S, Ix2>(selection)
    }

    /// Every element converted into `out`, row-major, with no allocation for the result;
    /// `out.len()` must equal the number of elements.
    ///
    /// # Errors
    /// `Usage` if the lengths differ; as [`Dataset::read_raw`].
    pub fn read_into<T: H5Type>(&self, out: &mut [T]) -> Result<()> {
        let dec = T::decoder(self.dtype())?;
        if self.size() != out.len() as u64 {
            return Err(Error::Usage(
                "output buffer length differs from the dataset's element count",
            ));
        }
        // Straight from the file's bytes for contiguous data: no intermediate buffer.
        self.with_all_bytes(|bytes| dec.decode_into(bytes, &Heap::new(self.file()), out))
    }

    /// Every element of a string dataset (fixed or variable length), row-major.
    ///
    /// # Errors
    /// The stored type is not a string, or a string is not valid in its character set; as
    /// [`Dataset::read_raw`].
    pub fn read_strings(&self) -> Result<Vec<String>> {
        self.read_raw::<String>()
    }
}

impl Attribute {
    /// Every element converted into `T`, row-major.
    ///
    /// # Errors
    /// The stored type does not convert into `T` (see [`H5Type`]); the stored value is
    /// malformed.
    pub fn read_raw<T: H5Type>(&self) -> Result<Vec<T>> {
        let dec = T::decoder(self.dtype())?;
        decode_vec(&dec, self.raw()?, &Heap::new(self.file()))
    }

    /// The value as an array of dimension `D`.
    ///
    /// # Errors
    /// `Usage` if the rank differs from `D`'s or the dataspace is null; as
    /// [`Attribute::read_raw`].
    pub fn read<T: H5Type, D: Dimension>(&self) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        check_rank::<D>(self.space().dims.len())?;
        to_array(self.read_raw()?, &self.shape())
    }

    /// A one-dimensional value.
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_1d<T: H5Type>(&self) -> Result<Array1<T>> {
        self.read::<T, Ix1>()
    }

    /// A two-dimensional value.
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_2d<T: H5Type>(&self) -> Result<Array2<T>> {
        self.read::<T, Ix2>()
    }

    /// The value, whatever its rank.
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_dyn<T: H5Type>(&self) -> Result<ArrayD<T>> {
        self.read::<T, IxDyn>()
    }

    /// The value of a scalar attribute.
    ///
    /// # Errors
    /// `Usage` unless the dataspace is scalar; as [`Attribute::read_raw`].
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        if self.space().kind != DataspaceKind::Scalar {
            return Err(Error::Usage("read_scalar needs a scalar dataspace"));
        }
        single(self.read_raw()?)
    }
}

impl Attributes {
    /// The value of the attribute `name` as one `T`: a scalar attribute, or one whose shape
    /// holds exactly one element.
    ///
    /// # Errors
    /// `NotFound` if there is no such attribute; `Usage` unless it holds exactly one
    /// element; as [`Attribute::read_raw`].
    pub fn get_value<T: H5Type>(&self, name: &str) -> Result<T> {
        single(self.get(name)?.read_raw()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, NewAxis};

    fn dims(sel: &Selection) -> Vec<(u64, u64, u64)> {
        sel.dims()
            .iter()
            .map(|d| (d.start, d.step, d.count))
            .collect()
    }

    #[test]
    fn ndarray_slices_map_to_hdf5_selections() {
        let (sel, shape) = s![2..10;3, ..].resolve(&[20, 7]).unwrap();
        assert_eq!(dims(&sel), [(2, 3, 3), (0, 1, 7)]);
        assert_eq!(shape, [3, 7]);
        let (sel, shape) = s![5, ..].resolve(&[20, 7]).unwrap();
        assert_eq!(dims(&sel), [(5, 1, 1), (0, 1, 7)]);
        assert_eq!(shape, [7]);
        // Negative positions count from the end; the unmentioned axis is whole.
        let (sel, shape) = s![-3.., -1].resolve(&[20, 7, 4]).unwrap();
        assert_eq!(dims(&sel), [(17, 1, 3), (6, 1, 1), (0, 1, 4)]);
        assert_eq!(shape, [3, 4]);
        let (sel, shape) = s![..-2;4, NewAxis].resolve(&[10]).unwrap();
        assert_eq!(dims(&sel), [(0, 4, 2)]);
        assert_eq!(shape, [2, 1]);
        // An end before the start selects nothing.
        let backwards = [SliceInfoElem::Slice {
            start: 6,
            end: Some(2),
            step: 1,
        }];
        let (_, shape) = backwards.resolve(&[10]).unwrap();
        assert_eq!(shape, [0]);
    }

    #[test]
    fn bad_slices_are_errors() {
        assert!(s![..;-1].resolve(&[10]).is_err());
        assert!(s![10].resolve(&[10]).is_err());
        assert!(s![-11].resolve(&[10]).is_err());
        assert!(s![..11].resolve(&[10]).is_err());
        assert!(s![1, 2].resolve(&[10]).is_err());
    }

    #[test]
    fn ranks_are_checked() {
        assert!(to_array::<i32, Ix2>(vec![1, 2, 3], &[3]).is_err());
        let a = to_array::<i32, Ix2>(vec![1, 2, 3, 4, 5, 6], &[2, 3]).unwrap();
        assert_eq!(a[[1, 0]], 4);
    }
}
