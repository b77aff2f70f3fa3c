//! `#[method]`: exports a free function as a contract method on `wasm32`.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Error, FnArg, GenericArgument, Item, ItemFn, Pat, PathArguments, ReturnType, Type};

/// How the exported glue hands the function's value back to the host.
enum Returns {
    /// No return type, `()` or `!`: no return data (and no `set_return` gas).
    Nothing,
    /// Any other type (spanned here): `set_return(borsh(value))`.
    Value(SpanRange),
    /// `Result<T, E>` (by the last path segment): `Ok` as above, `Err(e)` reverts with
    /// `e.code()` and `e.data()`. `unit_ok` when `T` is `()`. `ok` and `err` are the
    /// spans of `T` and `E` (of the whole return type when the alias does not spell them).
    Result {
        unit_ok: bool,
        ok: SpanRange,
        err: SpanRange,
    },
}

/// The first and last token spans of a piece of the signature. Glue tokens spanned with
/// `first` then `last` make rustc underline all of that piece (stable proc macros cannot
/// join spans, but rustc joins an expression's first and last token).
#[derive(Clone, Copy)]
struct SpanRange {
    first: Span,
    last: Span,
}

impl SpanRange {
    fn of(tokens: &impl ToTokens) -> Self {
        let mut tokens = tokens.to_token_stream().into_iter();
        let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
        let last = tokens.last().map_or(first, |t| t.span());
        SpanRange { first, last }
    }
}

/// `::keyway_sdk::__private::#name`, spanned over `range`: a failed trait bound of that
/// helper (a type that is not Borsh or not a `ContractError`) points at the type at fault.
fn private_fn(name: &str, range: SpanRange) -> TokenStream {
    let SpanRange { first, last } = range;
    let name = syn::Ident::new(name, last);
    quote_spanned! {first=> ::keyway_sdk::__private::#name }
}

/// `&#local`, spanned over `range` like [`private_fn`].
fn reference(local: &syn::Ident, range: SpanRange) -> TokenStream {
    quote_spanned! {range.first=> &#local }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(Error::new_spanned(
            attr,
            "#[method] takes no arguments: the method is exported under the function's own \
             name (a raw identifier like `r#type` exports `type`)",
        ));
    }
    let func = match syn::parse2::<Item>(item)? {
        Item::Fn(func) => func,
        other => {
            return Err(Error::new_spanned(
                other,
                "#[method] goes on a free function, like `pub fn transfer(to: Address, amount: u128)`",
            ));
        }
    };
    check_signature(&func)?;

    let fn_ident = &func.sig.ident;
    let export = fn_ident.unraw().to_string();
    check_export_name(&export, fn_ident.span())?;
    let glue = format_ident!("__keyway_method_{}", export);

    let mut types = Vec::new();
    for arg in &func.sig.inputs {
        if let FnArg::Typed(typed) = arg {
            types.push(&*typed.ty);
        }
    }
    // The glue carries the signature's span, not the attribute's, and its locals each
    // share one span, so they resolve whatever hygiene the signature's tokens have. The
    // helpers with trait bounds are spanned over the part of the signature they check, so
    // a type error (an argument that is not BorshDeserialize, a value that is not
    // BorshSerialize, an error that is not ContractError) underlines the type at fault.
    let span = func.sig.span();
    let arg_values: Vec<_> = (0..types.len()).map(syn::Index::from).collect();
    // The call of the function, its parentheses spanned at `parens`.
    let call_at = |parens: Span| {
        let mut args = Group::new(
            Delimiter::Parenthesis,
            quote_spanned! {span=> #(__keyway_args.#arg_values),* },
        );
        args.set_span(parens);
        quote! { #fn_ident #args }
    };
    let call = call_at(span);
    let abort_message = format!("invalid arguments for `{export}`");
    // Over the parameter list: `(amount: u128, order: Order)`.
    let params = func.sig.paren_token.span.join();
    let decode_args = quote_spanned! {params=>
        ::keyway_sdk::__private::decode_args(#abort_message)
    };

    let body = match returns(&func.sig.output) {
        Returns::Nothing => quote_spanned! {span=> #call; },
        Returns::Value(ty) => {
            let set_return_value = private_fn("set_return_value", ty);
            // `&#call` reaches from the function's name to its return type.
            let amp = quote_spanned! {ty.first=> & };
            let call = call_at(ty.last);
            quote_spanned! {span=> #set_return_value(#amp #call); }
        }
        Returns::Result {
            unit_ok: true, err, ..
        } => {
            let e = syn::Ident::new("e", err.last);
            let (revert_with, e_ref) = (private_fn("revert_with", err), reference(&e, err));
            quote_spanned! {span=>
                if let ::core::result::Result::Err(#e) = #call {
                    #revert_with(#e_ref)
                }
            }
        }
        Returns::Result {
            unit_ok: false,
            ok,
            err,
        } => {
            let v = syn::Ident::new("v", ok.last);
            let e = syn::Ident::new("e", err.last);
            let (set_return_value, v_ref) = (private_fn("set_return_value", ok), reference(&v, ok));
            let (revert_with, e_ref) = (private_fn("revert_with", err), reference(&e, err));
            quote_spanned! {span=>
                match #call {
                    ::core::result::Result::Ok(#v) => #set_return_value(#v_ref),
                    ::core::result::Result::Err(#e) => #revert_with(#e_ref),
                }
            }
        }
    };

    let glue_body = quote_spanned! {span=>
        let __keyway_args: (#(#types,)*) = #decode_args;
        #body
    };
    // With the contract crate's `library` feature the export is left out, so another
    // contract can depend on this one (for its typed call helpers) without linking its
    // methods into its own Wasm.
    // `allow`: a crate without the feature would otherwise be warned about the `cfg`.
    // The `_` carries the attribute's span: on a function in an `impl`, where an unnamed
    // `const` is an error, that error then points at `#[method]`.
    let unnamed = quote! { _ };
    let glue_fn = quote_spanned! {span=>
        #[allow(unexpected_cfgs)]
        const #unnamed: () = {
            #[cfg(all(target_arch = "wasm32", not(feature = "library")))]
            #[doc(hidden)]
            #[unsafe(export_name = #export)]
            extern "C" fn #glue() {
                #glue_body
            }
        };

        // Natively the same glue is a plain Rust function: never exported, but compiled
        // so that `cargo test`/`cargo check` report the errors a wasm build would, and
        // callable inside `TestEnv::call` (the test host unwinds, which an `extern "C"`
        // function would turn into a process abort).
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        #[allow(dead_code)]
        fn #glue() {
            #glue_body
        }
    };
    Ok(quote! {
        #func
        #glue_fn
    })
}

fn check_signature(func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if let Some(token) = &sig.asyncness {
        return Err(Error::new_spanned(
            token,
            "a contract method cannot be `async`: a call runs to completion, with no executor",
        ));
    }
    // Before `unsafe`: Rust only accepts `...` on an `unsafe extern "C" fn`.
    if let Some(variadic) = &sig.variadic {
        return Err(Error::new_spanned(
            variadic,
            "a contract method cannot be variadic: its arguments are one borsh-encoded tuple",
        ));
    }
    if let Some(token) = &sig.unsafety {
        return Err(Error::new_spanned(
            token,
            "a contract method cannot be `unsafe`: nothing upholds the caller's side of its \
             contract (use an `unsafe` block inside the method instead)",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &sig.generics,
            "a contract method cannot be generic: its export needs concrete argument types",
        ));
    }
    // `Generics`' tokens leave the where clause out: point at it directly.
    if let Some(where_clause) = &sig.generics.where_clause {
        return Err(Error::new_spanned(
            where_clause,
            "a contract method cannot be generic or have a `where` clause: its export \
             needs concrete argument types",
        ));
    }
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => {
                return Err(Error::new_spanned(
                    receiver,
                    "a contract method is a free function: `self` is not supported \
                     (keep state in storage, e.g. `keyway_sdk::storage::Item`)",
                ));
            }
            FnArg::Typed(typed) => {
                let plain = matches!(&*typed.pat, Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none());
                if !plain {
                    return Err(Error::new_spanned(
                        &typed.pat,
                        "contract method parameters must be plain identifiers, like `amount: u128`",
                    ));
                }
                if matches!(&*typed.ty, Type::Reference(_) | Type::ImplTrait(_)) {
                    return Err(Error::new_spanned(
                        &typed.ty,
                        "contract method parameters must be owned types the method decodes \
                         with borsh, like `Vec<u8>` or `String`",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The runtime's longest accepted method name, in bytes.
const MAX_METHOD_NAME_BYTES: usize = 128;

/// Names the linker already exports from every contract would clash with the method, and
/// the runtime rejects modules exporting names longer than 128 bytes.
fn check_export_name(export: &str, span: Span) -> syn::Result<()> {
    if export.len() > MAX_METHOD_NAME_BYTES {
        return Err(Error::new(
            span,
            format!(
                "a method name can be at most {MAX_METHOD_NAME_BYTES} bytes long (this one is \
                 {} bytes): the runtime rejects modules exporting longer names",
                export.len()
            ),
        ));
    }
    if export == "memory" || export.starts_with("__") {
        return Err(Error::new(
            span,
            format!(
                "`{export}` cannot be a method name: `memory` and names starting with `__` \
                 are taken by the module's own exports; rename the function"
            ),
        ));
    }
    Ok(())
}

fn returns(output: &ReturnType) -> Returns {
    let ty = match output {
        ReturnType::Default => return Returns::Nothing,
        ReturnType::Type(_, ty) => strip_parens(ty),
    };
    if is_unit(ty) || matches!(ty, Type::Never(_)) {
        return Returns::Nothing;
    }
    let whole = SpanRange::of(ty);
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
    {
        let mut types = match &last.arguments {
            PathArguments::AngleBracketed(args) => Some(&args.args),
            _ => None,
        }
        .into_iter()
        .flatten()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        });
        let (ok, err) = (types.next(), types.next());
        return Returns::Result {
            unit_ok: ok.is_some_and(|t| is_unit(strip_parens(t))),
            ok: ok.map_or(whole, SpanRange::of),
            err: err.map_or(whole, SpanRange::of),
        };
    }
    Returns::Value(whole)
}

fn strip_parens(mut ty: &Type) -> &Type {
    while let Type::Paren(inner) = ty {
        ty = &inner.elem;
    }
    ty
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(item: TokenStream) -> String {
        expand(TokenStream::new(), item).unwrap().to_string()
    }

    fn error_of(attr: TokenStream, item: TokenStream) -> String {
        match expand(attr, item) {
            Ok(out) => panic!("expected an error, got {out}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn exports_under_the_method_name_and_keeps_the_function() {
        let out = expanded(quote! { pub fn transfer(to: Address, amount: u128) -> u8 { 1 } });
        assert!(
            out.contains("pub fn transfer (to : Address , amount : u128) -> u8 { 1 }"),
            "{out}"
        );
        assert!(out.contains("unsafe (export_name = \"transfer\")"), "{out}");
        assert!(
            out.contains("extern \"C\" fn __keyway_method_transfer ()"),
            "{out}"
        );
        assert!(out.contains("(Address , u128 ,)"), "{out}");
        assert!(out.contains("invalid arguments for `transfer`"), "{out}");
        assert!(
            out.contains("set_return_value (& transfer (__keyway_args . 0 , __keyway_args . 1))"),
            "{out}"
        );
    }

    #[test]
    fn raw_identifiers_export_their_plain_name() {
        let out = expanded(quote! { pub fn r#type() {} });
        assert!(out.contains("export_name = \"type\""), "{out}");
    }

    #[test]
    fn return_kinds() {
        let unit = expanded(quote! { fn a() {} });
        assert!(
            !unit.contains("set_return_value") && !unit.contains("revert_with"),
            "{unit}"
        );
        let unit = expanded(quote! { fn a() -> () {} });
        assert!(!unit.contains("set_return_value"), "{unit}");
        let res_unit = expanded(quote! { fn a() -> Result<(), E> { Ok(()) } });
        assert!(
            res_unit.contains("revert_with") && !res_unit.contains("set_return_value"),
            "{res_unit}"
        );
        let res = expanded(quote! { fn a() -> core::result::Result<u8, E> { Ok(1) } });
        assert!(
            res.contains("revert_with") && res.contains("set_return_value (& v)"),
            "{res}"
        );
        let alias = expanded(quote! { fn a() -> Result<u8> { Ok(1) } });
        assert!(alias.contains("revert_with"), "{alias}");
        let value = expanded(quote! { fn a() -> Option<Result<u8, E>> { None } });
        assert!(
            !value.contains("revert_with") && value.contains("set_return_value"),
            "{value}"
        );
    }

    #[test]
    fn rejects_what_cannot_be_exported() {
        let cases = [
            (quote! { struct S; }, "goes on a free function"),
            (quote! { fn a(&self) {} }, "`self` is not supported"),
            (quote! { fn a<T>(x: T) {} }, "cannot be generic"),
            (
                quote! { fn a(x: u8) where u8: Copy {} },
                "cannot be generic",
            ),
            (quote! { async fn a() {} }, "cannot be `async`"),
            (quote! { unsafe fn a() {} }, "cannot be `unsafe`"),
            (quote! { fn a((x, y): (u8, u8)) {} }, "plain identifiers"),
            (quote! { fn a(ref x: u8) {} }, "plain identifiers"),
            (quote! { fn a(x: &[u8]) {} }, "owned types"),
            (quote! { fn memory() {} }, "cannot be a method name"),
            (quote! { fn __heap_base() {} }, "cannot be a method name"),
        ];
        for (item, expected) in cases {
            let msg = error_of(TokenStream::new(), item.clone());
            assert!(msg.contains(expected), "{item}: {msg}");
        }
        let msg = error_of(quote! { name = "x" }, quote! { fn a() {} });
        assert!(msg.contains("takes no arguments"), "{msg}");
    }

    #[test]
    fn mutable_bindings_are_plain_identifiers() {
        let out = expanded(quote! { fn a(mut x: u8) -> u8 { x += 1; x } });
        assert!(out.contains("__keyway_method_a"), "{out}");
    }
}
