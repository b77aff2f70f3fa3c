use keyway_sdk::ContractError;

#[derive(ContractError)]
#[repr(u32)]
pub enum TransferError {
    Unauthorized = 0x1_0000_0000,
}

fn main() {}
