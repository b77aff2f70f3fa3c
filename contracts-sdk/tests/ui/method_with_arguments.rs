use keyway_sdk::method;

#[method(name = "transfer_v2")]
pub fn transfer(amount: u128) -> u128 {
    amount
}

fn main() {}
