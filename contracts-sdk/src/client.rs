//! Native-only helpers for a contract's `client` module: the builders that give a caller
//! the [`TxKind`] of each call and its exact [`AccessList`], made from the same key
//! functions the contract itself uses.
//!
//! - [`call`] and [`encode`]: a `TxKind::Call` and its borsh arguments.
//! - [`access`]: one contract's `reads` and `writes`, normalized (add a nested call's
//!   keys with [`AccessList::merge`]); [`view`] is a call that only reads.
//! - [`deploy_and_instantiate`]: the two transactions that create a contract, with the
//!   address it gets.
//!
//! ```
//! use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
//! use keyway_sdk::host_api::TxKind;
//! use keyway_sdk::{AccessList, Address};
//!
//! /// The key of `owner`'s counter (as the contract's `keys` module would define it).
//! fn count(owner: &Address) -> Vec<u8> {
//!     [&b"c"[..], &owner.0].concat()
//! }
//!
//! /// `sender` adds `by` to its own counter.
//! fn bump(counter: Address, sender: Address, by: u64) -> (TxKind, AccessList) {
//!     let writes = vec![count(&sender)];
//!     (call(counter, "bump", encode(by)), access(counter, vec![], writes))
//! }
//!
//! // The creator's next nonce is 4: deploy with 4, instantiate (no `init`) with 5.
//! let creator = Address([1; 32]);
//! let code = b"\0asm\x01\0\0\0";
//! let (counter, [deploy, instantiate]) =
//!     deploy_and_instantiate(code, creator, 4, Vec::new(), |_| AccessList::default());
//! assert_eq!(counter, keyway_sdk::host_api::system::contract_address(&creator, 5));
//! assert!(matches!(deploy.0, TxKind::Deploy { .. }));
//! assert!(matches!(instantiate.0, TxKind::Instantiate { .. }));
//!
//! let (_, list) = bump(counter, creator, 2);
//! assert_eq!(list.writes.len(), 1);
//! let (_, list) = view(counter, "count_of", encode(creator), vec![count(&creator)]);
//! assert_eq!((list.reads.len(), list.writes.len()), (1, 0));
//! ```

use alloc::vec::Vec;

use borsh::BorshSerialize;
use keyway_host_api::system;
use keyway_host_api::{AccessList, Address, Key, TxKind};

/// A call of `method` of `contract` with `args` (borsh, see [`encode`]).
pub fn call(contract: Address, method: &str, args: Vec<u8>) -> TxKind {
    TxKind::Call {
        contract,
        method: method.into(),
        args,
    }
}

/// `args` borsh-encoded: a method's arguments, as a tuple when there are several.
pub fn encode(args: impl BorshSerialize) -> Vec<u8> {
    borsh::to_vec(&args).expect("borsh encoding into a Vec cannot fail")
}

/// `reads` and `writes` of `contract`'s keys, normalized ([`AccessList::normalize`]).
pub fn access(contract: Address, reads: Vec<Vec<u8>>, writes: Vec<Vec<u8>>) -> AccessList {
    let key = |bytes| Key::new(contract, bytes);
    let mut list = AccessList {
        reads: reads.into_iter().map(key).collect(),
        writes: writes.into_iter().map(key).collect(),
    };
    list.normalize();
    list
}

/// A call of `method` of `contract` with `args` that only reads `reads` of its keys.
pub fn view(
    contract: Address,
    method: &str,
    args: Vec<u8>,
    reads: Vec<Vec<u8>>,
) -> (TxKind, AccessList) {
    (
        call(contract, method, args),
        access(contract, reads, Vec::new()),
    )
}

/// The two transactions that create a contract: deploy `code`, then instantiate it with
/// `init_args` (empty for a contract without `init`), declaring what `init_access` says
/// its `init` touches at the address the contract gets. `creator`'s next nonce is `nonce`:
/// sign them with nonces `nonce` and `nonce + 1`. Returns the address with them.
pub fn deploy_and_instantiate(
    code: &[u8],
    creator: Address,
    nonce: u64,
    init_args: Vec<u8>,
    init_access: impl FnOnce(Address) -> AccessList,
) -> (Address, [(TxKind, AccessList); 2]) {
    // The instantiation, not the deployment, creates the contract.
    let contract = system::contract_address(&creator, nonce + 1);
    let deploy = TxKind::Deploy {
        code: code.to_vec(),
    };
    let instantiate = TxKind::Instantiate {
        code_hash: system::sha256(code),
        args: init_args,
    };
    (
        contract,
        [
            (deploy, AccessList::default()),
            (instantiate, init_access(contract)),
        ],
    )
}
