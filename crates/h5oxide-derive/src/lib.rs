//! `#[derive(H5Type)]` for h5oxide.
//!
//! - A struct with named fields reads from a compound type: each field is matched by name
//!   (or by `#[hdf5(rename = "stored name")]`) to a member of the stored compound; stored
//!   members without a field are ignored, a field without a member is an error naming it.
//! - A C-like enum with an integer `#[repr(..)]` reads from an enumeration type: stored member
//!   names are matched to variant names (or `#[hdf5(rename = "..")]`).
//!
//! The derive also implements `h5oxide::H5Write` (and `h5oxide::AttrValue`, for scalar
//! attributes), so the same types are written:
//!
//! - A struct is written as a compound with one member per field, in declaration order,
//!   named as above. Members are packed one after another, as NumPy lays out a structured
//!   dtype by default (h5py's `np.dtype([...])`, no `align=True`). With `#[repr(C)]` the
//!   members sit at the fields' Rust offsets (`offset_of!`) and the compound is the size of
//!   the struct, as `np.dtype(..., align=True)` lays them out; a member whose stored form is
//!   larger than its Rust field (a variable-length field) pushes the next ones back.
//!   Every field type must implement `H5Write`: numbers, `bool`, arrays `[T; N]` (HDF5 array
//!   types), other derived structs and enums, strings of `h5oxide::types`, references.
//! - An enum is written as an enumeration over its `#[repr]` integer (`isize`/`usize` as 64
//!   bits), each member named after its variant with the variant's discriminant.
//!
//! `#[hdf5(read_only)]` on the type derives the reading side only, for types with fields
//! that can be read but not written (such as `h5oxide::types::Reference`).
//!
//! The generated code calls `::h5oxide::h5type`, so the deriving crate must depend on
//! `h5oxide` under that name.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Error, Fields, LitStr};

/// Derives `h5oxide::h5type::H5Type` (reading), `h5oxide::H5Write` (writing) and
/// `h5oxide::AttrValue` for a struct with named fields (an HDF5 compound) or a C-like enum
/// with an integer `#[repr]` (an HDF5 enumeration). See the crate documentation for the
/// stored layout.
#[proc_macro_derive(H5Type, attributes(hdf5))]
pub fn derive_h5type(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The stored name an item maps to: `#[hdf5(rename = "..")]` or its own name.
fn stored_name(attrs: &[Attribute], own: String) -> syn::Result<String> {
    let mut name = own;
    for a in attrs.iter().filter(|a| a.path().is_ident("hdf5")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                name = lit.value();
                Ok(())
            } else {
                Err(meta.error("unknown hdf5 attribute (expected `rename = \"..\"`)"))
            }
        })?;
    }
    Ok(name)
}

/// True if the item has `#[hdf5(read_only)]`: no `H5Write` / `AttrValue` impls, for types
/// with fields that can be read but not written.
fn read_only(input: &DeriveInput) -> syn::Result<bool> {
    let mut found = false;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("hdf5")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("read_only") {
                found = true;
                Ok(())
            } else {
                Err(meta.error("unknown hdf5 attribute (expected `read_only`)"))
            }
        })?;
    }
    Ok(found)
}

/// True if the item has `#[repr(C)]`.
fn repr_c(input: &DeriveInput) -> syn::Result<bool> {
    let mut found = false;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") {
                found = true;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// The integer type of `#[repr(..)]`, required on enums (it is the stored base type).
fn int_repr(input: &DeriveInput) -> syn::Result<syn::Ident> {
    const INTS: [&str; 10] = [
        "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "isize", "usize",
    ];
    let mut found = None;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        a.parse_nested_meta(|meta| {
            if let Some(i) = INTS.iter().find(|i| meta.path.is_ident(i)) {
                found = Some(quote::format_ident!("{}", i));
            }
            Ok(())
        })?;
    }
    if let Some(i) = found {
        Ok(i)
    } else {
        Err(Error::new_spanned(
            &input.ident,
            "H5Type enums need an integer #[repr(i8 | u8 | i16 | u16 | i32 | u32 | i64 | u64)]",
        ))
    }
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let rust_name = ident.to_string();
    let write_body: Tokens;
    let body = match &input.data {
        Data::Struct(s) => {
            let Fields::Named(named) = &s.fields else {
                return Err(Error::new_spanned(
                    ident,
                    "H5Type can be derived for structs with named fields only",
                ));
            };
            let c_layout = repr_c(input)?;
            let mut lets = Vec::new();
            let mut inits = Vec::new();
            let mut members = Vec::new();
            let mut puts = Vec::new();
            for (k, f) in named.named.iter().enumerate() {
                let Some(fid) = &f.ident else {
                    return Err(Error::new_spanned(f, "unnamed field"));
                };
                let name = stored_name(&f.attrs, fid.to_string())?;
                let ty = &f.ty;
                let var = quote::format_ident!("__field_{}", k);
                lets.push(quote! {
                    let #var = ::h5oxide::h5type::Field::<#ty>::new(__members, #name, #rust_name, __size)?;
                });
                inits.push(quote! { #fid: #var.get(__b, __heap)? });
                let at = if c_layout {
                    quote! { ::core::option::Option::Some(::core::mem::offset_of!(Self, #fid)) }
                } else {
                    quote! { ::core::option::Option::None }
                };
                members.push(quote! {
                    (#name, <#ty as ::h5oxide::H5Write>::write_type(), #at)
                });
                puts.push(quote! {
                    ::h5oxide::write::types::put_field(out, __base + __offs[#k], &__v.#fid);
                });
            }
            let min_size = if c_layout {
                quote! { ::core::mem::size_of::<Self>() }
            } else {
                quote! { 0 }
            };
            write_body = quote! {
                fn write_type() -> ::h5oxide::format::object_header::message::datatype::Datatype {
                    ::h5oxide::write::types::compound_type(::std::vec![#(#members),*], #min_size)
                }

                fn write_bytes(values: &[Self], out: &mut ::std::vec::Vec<u8>) {
                    let mut __e = ::h5oxide::write::types::Elements::new();
                    <Self as ::h5oxide::H5Write>::write_elements(values, &mut __e);
                    out.extend_from_slice(__e.bytes());
                }

                fn write_elements(values: &[Self], out: &mut ::h5oxide::write::types::Elements) {
                    let __t = <Self as ::h5oxide::H5Write>::write_type();
                    let __offs = ::h5oxide::write::types::member_offsets(&__t);
                    let __size = __t.element_size();
                    for __v in values {
                        let __base = out.start_element(__size);
                        #(#puts)*
                    }
                }
            };
            quote! {
                let (__members, __size) = ::h5oxide::h5type::compound_members(dtype, #rust_name)?;
                #(#lets)*
                ::core::result::Result::Ok(::h5oxide::h5type::Decoder::element(
                    __size,
                    move |__b: &[u8], __heap: &::h5oxide::h5type::Heap<'_>| {
                        ::core::result::Result::Ok(#ident { #(#inits),* })
                    },
                ))
            }
        }
        Data::Enum(e) => {
            let repr = int_repr(input)?;
            let wrepr = match repr.to_string().as_str() {
                "isize" => quote::format_ident!("i64"),
                "usize" => quote::format_ident!("u64"),
                _ => repr.clone(),
            };
            let mut pairs = Vec::new();
            let mut values = Vec::new();
            let mut arms = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    return Err(Error::new_spanned(
                        v,
                        "H5Type enums must be C-like (variants without fields)",
                    ));
                }
                let vid = &v.ident;
                let name = stored_name(&v.attrs, vid.to_string())?;
                pairs.push(quote! {
                    (#name, (|| #ident::#vid) as fn() -> #ident #ty_generics)
                });
                values.push(quote! {
                    (#name, ((#ident::#vid as #repr) as #wrepr).to_le_bytes().to_vec())
                });
                arms.push(quote! {
                    #ident::#vid => (#ident::#vid as #repr) as #wrepr
                });
            }
            write_body = quote! {
                fn write_type() -> ::h5oxide::format::object_header::message::datatype::Datatype {
                    ::h5oxide::write::types::enum_type(
                        <#wrepr as ::h5oxide::H5Write>::write_type(),
                        ::std::vec![#(#values),*],
                    )
                }

                fn write_bytes(values: &[Self], out: &mut ::std::vec::Vec<u8>) {
                    for __v in values {
                        let __x: #wrepr = match __v { #(#arms),* };
                        out.extend_from_slice(&__x.to_le_bytes());
                    }
                }
            };
            quote! {
                ::h5oxide::h5type::enum_decoder(dtype, #rust_name, ::std::vec![#(#pairs),*])
            }
        }
        Data::Union(_) => {
            return Err(Error::new_spanned(
                ident,
                "H5Type cannot be derived for unions",
            ))
        }
    };
    let read = quote! {
        impl #impl_generics ::h5oxide::h5type::H5Type for #ident #ty_generics #where_clause {
            fn decoder(
                dtype: &::h5oxide::format::object_header::message::datatype::Datatype,
            ) -> ::h5oxide::Result<::h5oxide::h5type::Decoder<Self>> {
                #body
            }
        }

        impl #impl_generics ::h5oxide::FromAttribute for #ident #ty_generics #where_clause {
            fn from_attribute(attr: ::h5oxide::Attribute) -> ::h5oxide::Result<Self> {
                ::h5oxide::attribute_get::single_value(attr)
            }
        }
    };
    if read_only(input)? {
        return Ok(read);
    }
    Ok(quote! {
        #read

        impl #impl_generics ::h5oxide::H5Write for #ident #ty_generics #where_clause {
            #write_body
        }

        impl #impl_generics ::h5oxide::AttrValue for #ident #ty_generics #where_clause {
            fn attr_type(&self) -> ::h5oxide::format::object_header::message::datatype::Datatype {
                ::h5oxide::write::attribute::scalar_attr_type(self)
            }
            fn attr_shape(&self) -> ::std::vec::Vec<u64> {
                ::std::vec::Vec::new()
            }
            fn attr_data(&self) -> ::h5oxide::write::AttrData {
                ::h5oxide::write::attribute::scalar_attr_data(self)
            }
        }
    })
}
