use keyway_sdk::{ContractError, method};

pub struct Receipt {
    pub id: u64,
}

#[derive(ContractError)]
#[repr(u32)]
pub enum PlaceError {
    SoldOut = 1,
}

#[method]
pub fn place() -> Result<Receipt, PlaceError> {
    Ok(Receipt { id: 1 })
}

fn main() {}
