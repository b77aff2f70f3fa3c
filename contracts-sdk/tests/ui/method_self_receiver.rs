use keyway_sdk::method;

pub struct Counter {
    value: u64,
}

impl Counter {
    #[method]
    pub fn bump(&mut self) -> u64 {
        self.value += 1;
        self.value
    }
}

fn main() {}
