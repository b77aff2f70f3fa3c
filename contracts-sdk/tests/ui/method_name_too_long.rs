use keyway_sdk::method;

#[method]
pub fn a_method_name_that_is_far_too_long_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx()
 {
}

fn main() {}
