//! The native test host: declared-key enforcement, how calls end, what they commit, and
//! `#[method]`'s glue run natively.

use keyway_sdk::testing::{Outcome, TestEnv};
use keyway_sdk::{
    AccessList, Address, BorshDeserialize, BorshSerialize, ContractError, Event, Item, Key, Status,
    borsh, crypto, emit_event, env, method, storage,
};

const A: Item<u64> = Item::new(b"a");
const B: Item<u64> = Item::new(b"b");

#[derive(ContractError, Debug, PartialEq)]
#[repr(u32)]
pub enum Failure {
    Small = 1,
    Large = 0xFFFF_FFFF,
}

#[derive(BorshSerialize, BorshDeserialize, Debug, PartialEq)]
struct Noted {
    value: u64,
}

impl Event for Noted {
    const TOPIC: &'static [u8] = b"noted";
}

fn strict(env: &mut TestEnv, reads: &[&[u8]], writes: &[&[u8]]) {
    let c = env.contract();
    env.declare(AccessList {
        reads: reads.iter().map(|k| Key::new(c, *k)).collect(),
        writes: writes.iter().map(|k| Key::new(c, *k)).collect(),
    });
}

#[test]
fn reads_need_a_declared_read_or_write() {
    let mut env = TestEnv::new();
    strict(&mut env, &[b"a"], &[b"b"]);
    assert_eq!(env.call(|| A.get()).status, Status::Success);
    assert_eq!(
        env.call(|| B.get()).status,
        Status::Success,
        "writes are readable"
    );
    let undeclared: Outcome<bool> = env.call(|| storage::has(b"c"));
    assert_eq!(undeclared.status, Status::UndeclaredRead);
    assert_eq!(undeclared.value, None);
    assert_eq!(
        env.call(|| storage::read(b"c")).status,
        Status::UndeclaredRead
    );
}

#[test]
fn writes_and_removes_need_a_declared_write() {
    let mut env = TestEnv::new();
    strict(&mut env, &[b"a"], &[b"b"]);
    assert_eq!(env.call(|| B.set(&1)).status, Status::Success);
    assert_eq!(env.call(|| A.set(&1)).status, Status::UndeclaredWrite);
    assert_eq!(env.call(|| A.remove()).status, Status::UndeclaredWrite);
    assert_eq!(
        env.call(|| storage::write(b"c", b"x")).status,
        Status::UndeclaredWrite
    );
    assert!(env.call(|| B.remove()).unwrap());
}

#[test]
fn declarations_are_namespaced_by_contract() {
    let mut env = TestEnv::new();
    let other = Address([9; 32]);
    env.declare(AccessList {
        reads: vec![],
        writes: vec![Key::new(other, *b"a")],
    });
    assert_eq!(env.call(|| A.set(&1)).status, Status::UndeclaredWrite);
    env.set_contract(other);
    assert_eq!(env.call(|| A.set(&1)).status, Status::Success);
    assert_eq!(env.storage(&other, b"a"), Some(1u64.to_le_bytes().to_vec()));
    assert_eq!(
        env.storage(&keyway_sdk::testing::DEFAULT_CONTRACT, b"a"),
        None
    );
}

/// Every way a call can fail leaves storage and events as they were.
#[test]
fn failed_calls_commit_nothing() {
    let mut env = TestEnv::new();
    strict(&mut env, &[], &[b"a"]);
    let c = env.contract();
    env.call(|| A.set(&7)).unwrap();

    let before = env.state().clone();
    let write_then = |end: u8| {
        move || -> Result<(), Failure> {
            A.set(&8);
            emit_event(&Noted { value: 8 });
            match end {
                0 => Err(Failure::Small),
                1 => env::revert(5, b"why"),
                2 => env::abort("stop"),
                3 => panic!("boom {}", 1 + 1),
                4 => {
                    B.get();
                    Ok(())
                }
                _ => {
                    B.set(&1);
                    Ok(())
                }
            }
        }
    };
    let cases = [
        (Status::Reverted { code: 1 }, &b""[..]),
        (Status::Reverted { code: 5 }, &b"why"[..]),
        (Status::Aborted, &b"stop"[..]),
        (Status::Aborted, &b"boom 2"[..]),
        (Status::UndeclaredRead, &b""[..]),
        (Status::UndeclaredWrite, &b""[..]),
    ];
    for (end, (status, data)) in cases.into_iter().enumerate() {
        let outcome = env.call(write_then(end as u8));
        assert_eq!(outcome.status, status, "case {end}");
        assert_eq!(outcome.return_data, data, "case {end}");
        assert!(outcome.events.is_empty(), "case {end}");
        assert_eq!(env.state(), &before, "case {end}");
    }
    assert_eq!(env.storage(&c, b"a"), Some(7u64.to_le_bytes().to_vec()));
}

#[test]
fn successful_calls_commit_writes_removes_and_events() {
    let mut env = TestEnv::new();
    let outcome = env.call(|| {
        A.set(&1);
        B.set(&2);
        assert!(B.remove());
        assert_eq!(B.get(), None, "a call reads its own writes");
        emit_event(&Noted { value: 1 });
        keyway_sdk::emit(b"raw", &3u8);
        A.get()
    });
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.value, Some(Some(1)));
    assert_eq!(outcome.return_data, borsh::to_vec(&Some(1u64)).unwrap());
    assert_eq!(outcome.events_of::<Noted>(), vec![Noted { value: 1 }]);
    assert_eq!(outcome.events.len(), 2);
    assert_eq!(outcome.events[1].topic, b"raw");
    assert_eq!(outcome.events[1].data, vec![3]);
    assert_eq!(outcome.events[0].contract, env.contract());
    let c = env.contract();
    assert_eq!(env.storage(&c, b"a"), Some(1u64.to_le_bytes().to_vec()));
    assert_eq!(env.storage(&c, b"b"), None);
}

#[test]
fn derived_error_codes_and_returned_errors() {
    assert_eq!(Failure::Small.code(), 1);
    assert_eq!(Failure::Large.code(), u32::MAX);
    assert!(Failure::Small.data().is_empty());
    let mut env = TestEnv::new();
    let outcome = env.call(|| -> Result<u8, Failure> { Err(Failure::Large) });
    assert_eq!(outcome.status, Status::Reverted { code: u32::MAX });
    let outcome = env.call(|| -> Result<u8, Failure> { Ok(4) });
    assert_eq!((outcome.status, outcome.value), (Status::Success, Some(4)));
    assert_eq!(outcome.return_data, vec![4]);
}

#[test]
fn environment_values() {
    let mut env = TestEnv::new();
    let (alice, token) = (Address([1; 32]), Address([2; 32]));
    env.set_sender(alice)
        .set_contract(token)
        .set_block(10, 1_700_000_000, 42)
        .set_gas_remaining(555)
        .set_input(vec![1, 2, 3]);
    let seen = env.view(|| {
        (
            env::sender(),
            env::self_address(),
            (env::block_height(), env::block_time(), env::chain_id()),
        )
    });
    assert_eq!(seen, (alice, token, (10, 1_700_000_000, 42)));
    assert_eq!(env.view(env::gas_remaining), 555);
    assert_eq!(env.view(env::input), vec![1, 2, 3]);
}

#[test]
fn set_return_is_kept_for_methods_returning_nothing() {
    let mut env = TestEnv::new();
    let outcome = env.call(|| {
        env::set_return(b"first");
        env::set_return(b"last");
    });
    assert_eq!(outcome.return_data, b"last");
    // A returned value replaces it, as the wasm glue's own `set_return` would.
    let outcome = env.call(|| {
        env::set_return(b"manual");
        7u8
    });
    assert_eq!(outcome.return_data, vec![7]);
}

#[test]
fn host_functions_outside_a_call_panic_clearly() {
    let err = std::panic::catch_unwind(env::sender).unwrap_err();
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("outside TestEnv::call"), "{message}");
}

#[test]
fn crypto_matches_the_host() {
    use k256::ecdsa::SigningKey;
    use k256::ecdsa::signature::hazmat::PrehashSigner;

    let mut env = TestEnv::new();
    let digest = env.view(|| crypto::sha256(b"abc"));
    assert_eq!(
        digest[..4],
        [0xba, 0x78, 0x16, 0xbf],
        "sha256(\"abc\") = ba7816bf..."
    );

    let key = SigningKey::from_slice(&[7; 32]).unwrap();
    let signature: k256::ecdsa::Signature = key.sign_prehash(&digest).unwrap();
    let sig: [u8; 64] = signature.to_bytes().into();
    let public: [u8; 33] = key
        .verifying_key()
        .to_encoded_point(true)
        .as_bytes()
        .try_into()
        .unwrap();
    assert!(env.view(|| crypto::secp256k1_verify(&digest, &sig, &public)));
    let mut other = digest;
    other[0] ^= 1;
    assert!(!env.view(|| crypto::secp256k1_verify(&other, &sig, &public)));
    assert!(!env.view(|| crypto::secp256k1_verify(&digest, &sig, &[0; 33])));
    // The high-s twin of a valid signature is refused, like the runtime does.
    let (r, s) = signature.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    let high: [u8; 64] = high.to_bytes().into();
    assert!(!env.view(|| crypto::secp256k1_verify(&digest, &high, &public)));
}

// `#[method]` glue, run natively: it is exactly what the wasm export runs.

#[method]
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[method]
pub fn checked(n: u64) -> Result<(), Failure> {
    A.set(&n);
    if n > 10 { Err(Failure::Large) } else { Ok(()) }
}

#[method]
pub fn nothing() {}

#[test]
fn method_glue_decodes_arguments_and_returns_borsh() {
    let mut env = TestEnv::new();
    env.set_input(borsh::to_vec(&(2u32, 3u32)).unwrap());
    let outcome = env.call(__keyway_method_add);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.return_data, 5u32.to_le_bytes());

    // Native callers use the function itself.
    assert_eq!(add(1, 1), 2);
}

#[test]
fn method_glue_rejects_bad_input() {
    let mut env = TestEnv::new();
    for input in [vec![], vec![0; 7], vec![0; 9]] {
        env.set_input(input.clone());
        let outcome = env.call(__keyway_method_add);
        assert_eq!(outcome.status, Status::Aborted, "{input:?}");
        assert_eq!(outcome.message(), "invalid arguments for `add`");
    }
    env.set_input(vec![1]);
    assert_eq!(
        env.call(__keyway_method_nothing).message(),
        "invalid arguments for `nothing`"
    );
    env.set_input(vec![]);
    let outcome = env.call(__keyway_method_nothing);
    assert_eq!(
        (outcome.status, outcome.return_data),
        (Status::Success, vec![])
    );
}

#[test]
fn method_glue_reverts_with_the_error_code() {
    let mut env = TestEnv::new();
    env.set_input(borsh::to_vec(&(11u64,)).unwrap());
    let outcome = env.call(__keyway_method_checked);
    assert_eq!(outcome.status, Status::Reverted { code: u32::MAX });
    assert_eq!(env.storage(&env.contract(), b"a"), None);
    env.set_input(borsh::to_vec(&(3u64,)).unwrap());
    let outcome = env.call(__keyway_method_checked);
    assert_eq!(
        (outcome.status, outcome.return_data),
        (Status::Success, vec![])
    );
    assert_eq!(
        env.storage(&env.contract(), b"a"),
        Some(3u64.to_le_bytes().to_vec())
    );
}

const TOKEN: Address = Address([0x70; 32]);

/// Pays through a token contract; on failure, records the token's revert code.
fn pay_or_note(to: Address, amount: u128) -> u32 {
    A.set(&1);
    match keyway_sdk::call::try_call::<()>(&TOKEN, "transfer", &(to, amount), 50_000) {
        Ok(()) => 0,
        Err(error) => error.revert_code().unwrap_or(u32::MAX),
    }
}

#[test]
fn cross_contract_calls_reach_mocks_and_are_recorded() {
    let mut env = TestEnv::new();
    let caller = env.contract();
    env.mock(TOKEN, "transfer", move |call| {
        assert_eq!(call.caller, caller);
        let (_to, amount): (Address, u128) = call.args();
        if amount > 10 {
            Err(keyway_sdk::call::CallError {
                status: Status::Reverted { code: 1 },
                data: vec![],
            })
        } else {
            Ok(vec![])
        }
    });
    let paid = env.call(|| pay_or_note(Address([1; 32]), 5));
    assert_eq!(paid.value, Some(0));
    assert_eq!(paid.calls.len(), 1);
    assert_eq!(paid.calls[0].method, "transfer");
    assert_eq!(paid.calls[0].gas, 50_000);
    assert_eq!(paid.calls[0].status, Status::Success);
    let refused = env.call(|| pay_or_note(Address([1; 32]), 50));
    assert_eq!(refused.value, Some(1), "the caller handles the revert");
    assert_eq!(refused.calls[0].status, Status::Reverted { code: 1 });
}

#[test]
fn a_propagated_failure_ends_the_caller_with_the_callees_status() {
    let mut env = TestEnv::new();
    env.mock_fails(TOKEN, "transfer", Status::Reverted { code: 4 });
    let outcome = env.call(|| {
        A.set(&1);
        keyway_sdk::call::call::<()>(&TOKEN, "transfer", &(Address([1; 32]), 1u128));
    });
    assert_eq!(outcome.status, Status::Reverted { code: 4 });
    assert_eq!(
        env.storage(&env.contract(), b"a"),
        None,
        "nothing committed"
    );
    // Unmocked callees do not exist.
    let outcome = env.call(|| keyway_sdk::call::call::<u64>(&Address([9; 32]), "get", &()));
    assert_eq!(outcome.status, Status::UnknownContract);
    // Typed return values decode.
    env.mock_returns(TOKEN, "balance_of", 77u128);
    let balance =
        env.call(|| keyway_sdk::call::call::<u128>(&TOKEN, "balance_of", &(caller_of(),)));
    assert_eq!(balance.value, Some(77));
}

fn caller_of() -> Address {
    env::sender()
}
