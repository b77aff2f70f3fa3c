use keyway_sdk::ContractError;

#[derive(ContractError)]
#[repr(u32)]
pub enum TransferError {
    Unauthorized = 1,
    InsufficientBalance(u128),
    Frozen { until: u64 },
}

fn main() {}
