use keyway_sdk::ContractError;

#[derive(ContractError)]
#[repr(u32)]
pub enum TransferError {}

fn main() {}
