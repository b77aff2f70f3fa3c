//! Forms `#[method]` accepts: no arguments, `mut` bindings, raw identifiers, owned
//! borsh types, plain values, `Result` with a unit or value `Ok` (or through an alias),
//! no return value, and methods a `macro_rules!` macro writes (the glue's locals resolve
//! whatever hygiene the signature's tokens have).

use keyway_sdk::{Address, ContractError, method};

#[derive(ContractError, Debug)]
#[repr(u32)]
pub enum TokenError {
    Zero = 0,
    Unauthorized = 3,
    Max = 0xFFFF_FFFF,
}

#[method]
pub fn ping() {}

#[method]
pub fn total() -> u128 {
    7
}

#[method]
pub fn r#type(mut tag: Vec<u8>, name: String) -> Vec<u8> {
    tag.extend_from_slice(name.as_bytes());
    tag
}

#[method]
pub fn transfer(to: Address, amount: u128) -> Result<(), TokenError> {
    if to == Address([0; 32]) || amount == 0 {
        return Err(TokenError::Zero);
    }
    Ok(())
}

#[method]
pub fn balance(of: Address) -> Result<u128, TokenError> {
    if of == Address([0; 32]) {
        return Err(TokenError::Unauthorized);
    }
    Ok(1)
}

mod aliased {
    use super::TokenError;
    use keyway_sdk::method;

    pub type Result<T> = core::result::Result<T, TokenError>;

    #[method]
    pub fn checked(x: u64) -> Result<u64> {
        x.checked_sub(1).ok_or(TokenError::Zero)
    }
}

macro_rules! getter {
    ($name:ident, $arg:ident: $arg_ty:ty => $ok:ty, $err:ty) => {
        #[method]
        pub fn $name($arg: $arg_ty) -> Result<$ok, $err> {
            Ok($arg.into())
        }
    };
}

getter!(widen, x: u32 => u64, TokenError);

fn main() {
    assert_eq!(TokenError::Zero.code(), 0);
    assert_eq!(TokenError::Unauthorized.code(), 3);
    assert_eq!(TokenError::Max.code(), u32::MAX);
    ping();
    assert_eq!(total(), 7);
    assert_eq!(r#type(b"a".to_vec(), "b".into()), b"ab");
    assert!(transfer(Address([1; 32]), 1).is_ok());
    assert_eq!(balance(Address([1; 32])).unwrap(), 1);
    assert_eq!(aliased::checked(2).unwrap(), 1);
    assert_eq!(widen(3).unwrap(), 3);
}
