//! Complex numbers read as `num_complex::Complex<T>`: from h5py's compound `{r, i}` (also
//! `{real, imag}`) and from the HDF5 2.0 complex class (spec IV.A.2.d, class 11).

use h5oxide_format::object_header::message::datatype::{ComplexForm, Datatype, TypeClass};
use num_complex::Complex;

use crate::error::Result;
use crate::h5type::{compound_members, mismatch, Decoder, Field, H5Type};

impl<T: H5Type> H5Type for Complex<T> {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let rust = std::any::type_name::<Self>();
        match &dtype.class {
            TypeClass::Compound { members } => {
                let (_, size) = compound_members(dtype, rust)?;
                let has = |n: &str| members.iter().any(|m| m.name == n);
                let (rn, iname) = if !has("r") && has("real") {
                    ("real", "imag")
                } else {
                    ("r", "i")
                };
                let re = Field::<T>::new(members, rn, rust, size)?;
                let im = Field::<T>::new(members, iname, rust, size)?;
                Ok(Decoder::element(size, move |b, heap| {
                    Ok(Complex::new(re.get(b, heap)?, im.get(b, heap)?))
                }))
            }
            TypeClass::Complex {
                base,
                form: ComplexForm::Rectangular,
            } => {
                let part = T::decoder(base)?;
                let half = base.element_size();
                Ok(Decoder::element(dtype.element_size(), move |b, heap| {
                    let re = part.decode_one(b, heap)?;
                    let im = part.decode_one(b.get(half..).unwrap_or(&[]), heap)?;
                    Ok(Complex::new(re, im))
                }))
            }
            _ => Err(mismatch::<Self>(dtype)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h5type::Heap;
    use crate::write::types::H5Write;
    use h5oxide_format::object_header::message::datatype::ByteOrder;

    #[test]
    fn complex_reads_both_stored_forms() {
        let t = Complex::<f64>::write_type();
        assert_eq!(t.size, 16);
        let mut b = Vec::new();
        Complex::write_bytes(&[Complex::new(1.5f64, -2.0)], &mut b);
        let d = Complex::<f64>::decoder(&t).unwrap();
        assert_eq!(
            d.decode_one(&b, &Heap::none()).unwrap(),
            Complex::new(1.5, -2.0)
        );
        // The HDF5 2.0 class: two big-endian f32 parts, read into f64.
        let c = Datatype::new(
            8,
            TypeClass::Complex {
                base: Box::new(Datatype::ieee_float(4, ByteOrder::BigEndian)),
                form: ComplexForm::Rectangular,
            },
        );
        let mut b = 3.0f32.to_be_bytes().to_vec();
        b.extend_from_slice(&0.25f32.to_be_bytes());
        let d = Complex::<f64>::decoder(&c).unwrap();
        assert_eq!(
            d.decode_one(&b, &Heap::none()).unwrap(),
            Complex::new(3.0, 0.25)
        );
        assert!(Complex::<f64>::decoder(&f64::write_type()).is_err());
    }
}
