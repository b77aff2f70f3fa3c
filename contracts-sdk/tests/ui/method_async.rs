use keyway_sdk::method;

#[method]
pub async fn fetch() -> u64 {
    1
}

fn main() {}
