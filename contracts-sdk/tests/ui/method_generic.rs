use keyway_sdk::method;

#[method]
pub fn store<T: keyway_sdk::BorshSerialize>(value: T) {
    let _ = keyway_sdk::borsh::to_vec(&value);
}

fn main() {}
