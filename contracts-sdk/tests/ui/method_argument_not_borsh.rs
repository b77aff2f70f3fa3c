use keyway_sdk::method;

pub struct Order {
    pub amount: u128,
}

#[method]
pub fn place(order: Order) -> u128 {
    order.amount
}

fn main() {}
