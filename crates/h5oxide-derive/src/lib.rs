//! `#[derive(H5Type)]` for h5oxide.
//!
//! - A struct with named fields reads from a compound type: each field is matched by name
//!   (or by `#[hdf5(rename = "stored name")]`) to a member of the stored compound; stored
//!   members without a field are ignored, a field without a member is an error naming it.
//! - A C-like enum with an integer `#[repr(..)]` reads from an enumeration type: stored member
//!   names are matched to variant names (or `#[hdf5(rename = "..")]`).
//!
//! The generated code calls `::h5oxide::h5type`, so the deriving crate must depend on
//! `h5oxide` under that name.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Error, Fields, LitStr};

/// Derives `h5oxide::h5type::H5Type` for a struct with named fields (an HDF5 compound) or a
/// C-like enum with an integer `#[repr]` (an HDF5 enumeration).
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

/// The integer type of `#[repr(..)]`, required on enums (it is the stored base type).
fn int_repr(input: &DeriveInput) -> syn::Result<()> {
    const INTS: [&str; 10] = [
        "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "isize", "usize",
    ];
    let mut found = false;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        a.parse_nested_meta(|meta| {
            if INTS.iter().any(|i| meta.path.is_ident(i)) {
                found = true;
            }
            Ok(())
        })?;
    }
    if found {
        Ok(())
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
    let body = match &input.data {
        Data::Struct(s) => {
            let Fields::Named(named) = &s.fields else {
                return Err(Error::new_spanned(
                    ident,
                    "H5Type can be derived for structs with named fields only",
                ));
            };
            let mut lets = Vec::new();
            let mut inits = Vec::new();
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
            }
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
            int_repr(input)?;
            let mut pairs = Vec::new();
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
            }
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
    Ok(quote! {
        impl #impl_generics ::h5oxide::h5type::H5Type for #ident #ty_generics #where_clause {
            fn decoder(
                dtype: &::h5oxide::format::object_header::message::datatype::Datatype,
            ) -> ::h5oxide::Result<::h5oxide::h5type::Decoder<Self>> {
                #body
            }
        }
    })
}
