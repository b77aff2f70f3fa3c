use keyway_sdk::ContractError;

#[derive(ContractError)]
#[repr(u32)]
pub enum TransferError {
    Unauthorized = -1,
}

fn main() {}
