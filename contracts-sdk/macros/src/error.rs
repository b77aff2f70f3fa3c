//! `#[derive(ContractError)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields};

/// The message for a variant without an explicit discriminant. Codes end up in receipts
/// and clients match on them, so the macro never numbers variants implicitly: reordering
/// the enum must not change them.
fn needs_code(variant: &syn::Ident) -> String {
    format!(
        "variant `{variant}` needs an explicit stable code, like `{variant} = 1`: each variant \
         of a contract error needs one, as clients match on the codes and reordering the enum \
         must not change them"
    )
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let Data::Enum(data) = &input.data else {
        return Err(Error::new_spanned(
            &input.ident,
            "#[derive(ContractError)] supports fieldless enums only, like \
             `#[repr(u32)] enum TokenError { Unauthorized = 3 }`; implement \
             `keyway_sdk::ContractError` by hand for other types",
        ));
    };
    if data.variants.is_empty() {
        return Err(Error::new_spanned(
            &input.ident,
            "a contract error needs at least one variant, like `Unauthorized = 3`",
        ));
    }

    // Report every bad variant at once rather than one per compile.
    let mut errors: Option<Error> = None;
    let mut push = |e: Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut arms = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            push(Error::new_spanned(
                &variant.fields,
                format!(
                    "variant `{}` has fields: contract error variants must be fieldless \
                     (implement `keyway_sdk::ContractError` by hand to return data)",
                    variant.ident
                ),
            ));
            continue;
        }
        match &variant.discriminant {
            Some((_, code)) => {
                let ident = &variant.ident;
                arms.push(quote! { Self::#ident => #code, });
            }
            None => push(Error::new_spanned(
                &variant.ident,
                needs_code(&variant.ident),
            )),
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    // Codes are u32 in receipts. Without the repr the enum's discriminants are isize, and
    // a code above i32::MAX would compile natively but fail only when built for wasm32.
    let repr_u32 = input.attrs.iter().any(|attr| {
        let mut u32_listed = false;
        attr.path().is_ident("repr")
            && attr
                .parse_nested_meta(|meta| {
                    u32_listed |= meta.path.is_ident("u32");
                    Ok(())
                })
                .is_ok()
            && u32_listed
    });
    if !repr_u32 {
        return Err(Error::new_spanned(
            &input.ident,
            format!(
                "a contract error needs `#[repr(u32)]` on `{}`: its codes are u32 in receipts \
                 (without it, a code above i32::MAX would only fail when built for wasm32)",
                input.ident
            ),
        ));
    }

    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::keyway_sdk::ContractError for #ident #ty_generics #where_clause {
            fn code(&self) -> u32 {
                match self {
                    #(#arms)*
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(input: TokenStream) -> String {
        match expand(input) {
            Ok(out) => panic!("expected an error, got {out}"),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn explicit_codes_become_match_arms() {
        let out = expand(quote! {
            #[repr(u32)]
            enum E { A = 1, B = 0x20 }
        })
        .unwrap()
        .to_string();
        assert!(out.contains("ContractError for E"), "{out}");
        assert!(out.contains("Self :: A => 1"), "{out}");
        assert!(out.contains("Self :: B => 0x20"), "{out}");
    }

    #[test]
    fn missing_code_is_rejected_with_a_hint() {
        let msg = error_of(quote! { enum E { A = 1, B } });
        assert!(msg.contains("explicit stable code"), "{msg}");
        assert!(msg.contains("like `B = 1`"), "{msg}");
    }

    #[test]
    fn fields_and_non_enums_are_rejected() {
        let msg = error_of(quote! { enum E { A = 1, B(u8) } });
        assert!(msg.contains("variant `B` has fields"), "{msg}");
        let msg = error_of(quote! { struct E { code: u32 } });
        assert!(msg.contains("fieldless enums only"), "{msg}");
        let msg = error_of(quote! { enum E {} });
        assert!(msg.contains("at least one variant"), "{msg}");
    }

    #[test]
    fn all_bad_variants_are_reported_together() {
        let msg = error_of(quote! { enum E { A, B { x: u8 }, C } });
        assert_eq!(msg.lines().count(), 3, "{msg}");
    }
}
