use keyway_sdk::method;

pub struct Receipt {
    pub id: u64,
}

#[method]
pub fn place() -> Receipt {
    Receipt { id: 1 }
}

fn main() {}
