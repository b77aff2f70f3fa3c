use keyway_sdk::ContractError;

#[derive(ContractError)]
pub struct TransferError {
    code: u32,
}

fn main() {}
