use keyway_sdk::method;

#[derive(Debug)]
pub enum TransferError {
    InsufficientBalance,
}

#[method]
pub fn transfer(amount: u128) -> Result<(), TransferError> {
    if amount > 10 {
        return Err(TransferError::InsufficientBalance);
    }
    Ok(())
}

fn main() {}
