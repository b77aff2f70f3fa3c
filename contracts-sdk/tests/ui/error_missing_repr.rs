use keyway_sdk::ContractError;

#[derive(ContractError)]
pub enum TransferError {
    Unauthorized = 1,
}

fn main() {}
