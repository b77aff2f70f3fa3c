//! Byte strings in vector files: hex, or small readable helpers (FORMAT.md, "Bytes").

use std::fmt;

use keyway_host_api::Address;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte string as written in a vector file. It keeps the author's form, so a file
/// rewritten by `keyway conformance fill` reads as before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bytes {
    /// `"0x..."`: the bytes in hex (`"0x"` alone is empty).
    Hex(Vec<u8>),
    /// `{"utf8": "..."}`: the UTF-8 bytes of the text.
    Utf8(String),
    /// `{"u8": n}`: one byte.
    U8(u8),
    /// `{"u16": n}`: 2 bytes, little-endian.
    U16(u16),
    /// `{"u32": n}`: 4 bytes, little-endian.
    U32(u32),
    /// `{"u64": n}`: 8 bytes, little-endian.
    U64(u64),
    /// `{"u128": n}` or `{"u128": "n"}`: 16 bytes, little-endian.
    U128(u128),
    /// `{"account": "alice"}`: the 32-byte address of a test key declared in
    /// `pre.accounts` (or a `0x` address).
    Account(String),
    /// `{"contract": "token"}`: the 32-byte address of a named contract (or a `0x` address).
    Contract(String),
    /// `[a, b, ...]`: the concatenation of byte strings.
    Concat(Vec<Bytes>),
}

/// What resolving names needs: the addresses of accounts and contracts by name.
pub trait Names {
    /// The address of the test key or account `name` (`0x` hex accepted).
    fn account(&self, name: &str) -> Result<Address, String>;
    /// The address of the contract `name` (`0x` hex accepted).
    fn contract(&self, name: &str) -> Result<Address, String>;
}

impl Bytes {
    /// The bytes, with names resolved through `names`.
    pub fn resolve(&self, names: &dyn Names) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        self.resolve_into(names, &mut out)?;
        Ok(out)
    }

    fn resolve_into(&self, names: &dyn Names, out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Bytes::Hex(bytes) => out.extend_from_slice(bytes),
            Bytes::Utf8(text) => out.extend_from_slice(text.as_bytes()),
            Bytes::U8(n) => out.push(*n),
            Bytes::U16(n) => out.extend_from_slice(&n.to_le_bytes()),
            Bytes::U32(n) => out.extend_from_slice(&n.to_le_bytes()),
            Bytes::U64(n) => out.extend_from_slice(&n.to_le_bytes()),
            Bytes::U128(n) => out.extend_from_slice(&n.to_le_bytes()),
            Bytes::Account(name) => out.extend_from_slice(&names.account(name)?.0),
            Bytes::Contract(name) => out.extend_from_slice(&names.contract(name)?.0),
            Bytes::Concat(parts) => {
                for part in parts {
                    part.resolve_into(names, out)?;
                }
            }
        }
        Ok(())
    }

    /// The bytes when they name nothing (hex, text, numbers); `None` if they use a name.
    pub fn literal(&self) -> Option<Vec<u8>> {
        struct NoNames;
        impl Names for NoNames {
            fn account(&self, _: &str) -> Result<Address, String> {
                Err(String::new())
            }
            fn contract(&self, _: &str) -> Result<Address, String> {
                Err(String::new())
            }
        }
        self.resolve(&NoNames).ok()
    }

    /// A readable form of `bytes` for files written by `fill`: text when printable, the
    /// names of known 32-byte addresses (`known`: address, is-contract, name), a `u128`
    /// for a 16-byte run below 2^64, hex for the rest.
    pub fn render(bytes: &[u8], known: &[(Address, bool, String)]) -> Bytes {
        if bytes.is_empty() {
            return Bytes::Hex(Vec::new());
        }
        let mut parts = Vec::new();
        let mut pending = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let named = bytes.get(i..i + 32).and_then(|window| {
                known
                    .iter()
                    .find(|(address, _, _)| address.0[..] == *window)
            });
            if let Some((_, is_contract, name)) = named {
                flush(&mut pending, &mut parts);
                parts.push(if *is_contract {
                    Bytes::Contract(name.clone())
                } else {
                    Bytes::Account(name.clone())
                });
                i += 32;
            } else {
                pending.push(bytes[i]);
                i += 1;
            }
        }
        flush(&mut pending, &mut parts);
        if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Bytes::Concat(parts)
        }
    }
}

/// Turns a run of unnamed bytes into text (printable ASCII) or hex.
fn flush(pending: &mut Vec<u8>, parts: &mut Vec<Bytes>) {
    if pending.is_empty() {
        return;
    }
    let bytes = std::mem::take(pending);
    if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        parts.push(Bytes::Utf8(String::from_utf8(bytes).expect("ASCII")));
    } else if bytes.len() == 16 && bytes[8..].iter().all(|b| *b == 0) {
        // Most likely a borsh u128 (a balance, an amount): show the number.
        let mut le = [0u8; 16];
        le.copy_from_slice(&bytes);
        parts.push(Bytes::U128(u128::from_le_bytes(le)));
    } else {
        parts.push(Bytes::Hex(bytes));
    }
}

/// Bytes for people: `"text"` when printable ASCII, else `0x` hex; long values are cut.
pub fn display(bytes: &[u8]) -> String {
    const MAX: usize = 48;
    if !bytes.is_empty() && bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        let text = String::from_utf8_lossy(bytes);
        if bytes.len() <= MAX {
            return format!("{text:?}");
        }
        return format!("{:?}… ({} bytes)", &text[..MAX], bytes.len());
    }
    if bytes.len() <= MAX {
        format!("0x{}", hex::encode(bytes))
    } else {
        format!("0x{}… ({} bytes)", hex::encode(&bytes[..MAX]), bytes.len())
    }
}

/// Parses a `0x`-prefixed hex string.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("expected a 0x-prefixed hex string, found {text:?}"))?;
    hex::decode(digits).map_err(|e| format!("bad hex {}: {e}", short(text)))
}

/// Parses a `0x`-prefixed 32-byte address.
pub fn parse_address(text: &str) -> Result<Address, String> {
    let bytes = parse_hex(text)?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("an address is 32 bytes, {} has {}", short(text), b.len()))?;
    Ok(Address(bytes))
}

fn short(text: &str) -> String {
    if text.len() <= 24 {
        format!("{text:?}")
    } else {
        format!("{:?}…", &text[..24])
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn single<S: Serializer, V: Serialize + ?Sized>(
            serializer: S,
            key: &str,
            value: &V,
        ) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(key, value)?;
            map.end()
        }
        match self {
            Bytes::Hex(bytes) => serializer.serialize_str(&format!("0x{}", hex::encode(bytes))),
            Bytes::Utf8(text) => single(serializer, "utf8", text),
            Bytes::U8(n) => single(serializer, "u8", n),
            Bytes::U16(n) => single(serializer, "u16", n),
            Bytes::U32(n) => single(serializer, "u32", n),
            Bytes::U64(n) => single(serializer, "u64", n),
            Bytes::U128(n) => match u64::try_from(*n) {
                Ok(small) => single(serializer, "u128", &small),
                Err(_) => single(serializer, "u128", &n.to_string()),
            },
            Bytes::Account(name) => single(serializer, "account", name),
            Bytes::Contract(name) => single(serializer, "contract", name),
            Bytes::Concat(parts) => {
                let mut seq = serializer.serialize_seq(Some(parts.len()))?;
                for part in parts {
                    seq.serialize_element(part)?;
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BytesVisitor)
    }
}

struct BytesVisitor;

const HELPERS: &[&str] = &[
    "utf8", "u8", "u16", "u32", "u64", "u128", "account", "contract",
];

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "bytes: a \"0x...\" hex string, a one-key object such as {\"utf8\": \"...\"}, or an array of those",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Bytes, E> {
        parse_hex(text).map(Bytes::Hex).map_err(|e| {
            if text.starts_with("0x") {
                E::custom(e)
            } else {
                E::custom(format!("{e} (write text as {{\"utf8\": ...}})"))
            }
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
        let mut parts = Vec::new();
        while let Some(part) = seq.next_element::<Bytes>()? {
            parts.push(part);
        }
        Ok(Bytes::Concat(parts))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "empty object: expected one of utf8, u8, u16, u32, u64, u128, account, contract",
            ));
        };
        let bytes = match key.as_str() {
            "utf8" => Bytes::Utf8(map.next_value()?),
            "u8" => Bytes::U8(map.next_value()?),
            "u16" => Bytes::U16(map.next_value()?),
            "u32" => Bytes::U32(map.next_value()?),
            "u64" => Bytes::U64(map.next_value()?),
            "u128" => Bytes::U128(map.next_value::<U128>()?.0),
            "account" => Bytes::Account(map.next_value()?),
            "contract" => Bytes::Contract(map.next_value()?),
            other => return Err(de::Error::unknown_field(other, HELPERS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a bytes object has exactly one key; found `{key}` and `{extra}` (concatenate with an array)"
            )));
        }
        Ok(bytes)
    }
}

/// A u128 written as a JSON number or a decimal string (JSON numbers lose precision in
/// many tools above 2^53).
struct U128(u128);

impl<'de> Deserialize<'de> for U128 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = U128;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a u128 as a number or a decimal string")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<U128, E> {
                Ok(U128(n.into()))
            }
            fn visit_u128<E: de::Error>(self, n: u128) -> Result<U128, E> {
                Ok(U128(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<U128, E> {
                u128::try_from(n)
                    .map(U128)
                    .map_err(|_| E::custom(format!("u128 cannot be negative: {n}")))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<U128, E> {
                text.parse()
                    .map(U128)
                    .map_err(|e| E::custom(format!("bad u128 {text:?}: {e}")))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Names for Fixed {
        fn account(&self, name: &str) -> Result<Address, String> {
            match name {
                "alice" => Ok(Address([0xaa; 32])),
                _ => Err(format!("unknown test key `{name}`")),
            }
        }
        fn contract(&self, name: &str) -> Result<Address, String> {
            match name {
                "token" => Ok(Address([0x70; 32])),
                _ => Err(format!("unknown contract `{name}`")),
            }
        }
    }

    fn parse(json: &str) -> Result<Bytes, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn helpers_resolve_to_their_documented_bytes() {
        let cases: &[(&str, Vec<u8>)] = &[
            (r#""0x""#, vec![]),
            (r#""0x01ff""#, vec![1, 0xff]),
            (r#"{"utf8": "hi"}"#, b"hi".to_vec()),
            (r#"{"u8": 7}"#, vec![7]),
            (r#"{"u16": 258}"#, vec![2, 1]),
            (r#"{"u32": 1}"#, vec![1, 0, 0, 0]),
            (r#"{"u64": 1}"#, vec![1, 0, 0, 0, 0, 0, 0, 0]),
            (r#"{"u128": "256"}"#, {
                let mut v = vec![0; 16];
                v[1] = 1;
                v
            }),
            (r#"[{"utf8": "b"}, {"account": "alice"}]"#, {
                let mut v = b"b".to_vec();
                v.extend([0xaa; 32]);
                v
            }),
            (r#"{"contract": "token"}"#, vec![0x70; 32]),
        ];
        for (json, expected) in cases {
            let bytes = parse(json).unwrap();
            assert_eq!(&bytes.resolve(&Fixed).unwrap(), expected, "{json}");
            // Round trip keeps the form.
            let again = serde_json::to_string(&bytes).unwrap();
            assert_eq!(parse(&again).unwrap(), bytes, "{json}");
        }
    }

    #[test]
    fn bad_input_is_an_error_that_says_why() {
        let err = parse(r#""0xzz""#).unwrap_err().to_string();
        assert!(err.contains("bad hex"), "{err}");
        let err = parse(r#""hello""#).unwrap_err().to_string();
        assert!(err.contains("0x-prefixed") && err.contains("utf8"), "{err}");
        let err = parse(r#"{"float": 1}"#).unwrap_err().to_string();
        assert!(err.contains("unknown field `float`"), "{err}");
        let err = parse(r#"{"u8": 300}"#).unwrap_err().to_string();
        assert!(err.contains("u8"), "{err}");
        let err = parse(r#"{"utf8": "a", "u8": 1}"#).unwrap_err().to_string();
        assert!(err.contains("exactly one key"), "{err}");
        let unknown = parse(r#"{"account": "mallory"}"#).unwrap();
        assert_eq!(
            unknown.resolve(&Fixed).unwrap_err(),
            "unknown test key `mallory`"
        );
    }

    #[test]
    fn render_names_known_addresses_and_keeps_text_readable() {
        let known = vec![(Address([0xaa; 32]), false, "alice".to_string())];
        let mut key = b"b".to_vec();
        key.extend([0xaa; 32]);
        assert_eq!(
            Bytes::render(&key, &known),
            Bytes::Concat(vec![
                Bytes::Utf8("b".into()),
                Bytes::Account("alice".into())
            ])
        );
        assert_eq!(Bytes::render(b"hello", &known), Bytes::Utf8("hello".into()));
        assert_eq!(Bytes::render(&[1, 2], &known), Bytes::Hex(vec![1, 2]));
        assert_eq!(Bytes::render(&[], &known), Bytes::Hex(vec![]));
        let mut transfer = [0xaa; 32].to_vec();
        transfer.extend(250u128.to_le_bytes());
        assert_eq!(
            Bytes::render(&transfer, &known),
            Bytes::Concat(vec![Bytes::Account("alice".into()), Bytes::U128(250)])
        );
    }
}
