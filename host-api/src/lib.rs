//! Keyway's contract ABI, shared by the runtime, the SDK and clients.
//!
//! `no_std` + `alloc`: it compiles into contracts. It holds the host imports
//! ([`abi::HOST_FUNCTIONS`], and the raw `extern` block on `wasm32`), the shared types with
//! their borsh encodings ([`Transaction`], [`Receipt`], [`Status`], ...), the system
//! namespace ([`system`]) and the gas schedule ([`gas`]). `ABI.md` is the prose reference.
//!
//! ```
//! use keyway_host_api::{Address, AccessList, Key, Status};
//!
//! let token = Address([7; 32]);
//! let mut access = AccessList {
//!     reads: vec![Key::new(token, *b"supply")],
//!     writes: vec![Key::new(token, *b"bal:alice"), Key::new(token, *b"bal:bob")],
//! };
//! access.normalize();
//! assert!(access.allows_read(&token, b"bal:bob"));
//! assert!(!access.allows_write(&token, b"supply"));
//! assert_eq!(Status::OutOfGas.code(), 2);
//! ```
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod gas;
pub mod system;
mod types;

pub use abi::{HOST_FUNCTIONS, HostFunction, IMPORT_MODULE, INIT_METHOD, MEMORY_EXPORT};
pub use types::*;

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn status_borsh_round_trips_with_stable_codes() {
        for (expected_code, status) in Status::ALL.iter().enumerate() {
            assert_eq!(status.code() as usize, expected_code);
            let bytes = borsh::to_vec(status).unwrap();
            assert_eq!(bytes[0] as usize, expected_code);
            assert_eq!(borsh::from_slice::<Status>(&bytes).unwrap(), *status);
        }
        let reverted = Status::Reverted { code: 0x0102_0304 };
        assert_eq!(borsh::to_vec(&reverted).unwrap(), vec![1, 4, 3, 2, 1]);
        assert!(borsh::from_slice::<Status>(&[200]).is_err());
    }

    #[test]
    fn access_list_membership_sorted_and_unsorted() {
        let a = Address([1; 32]);
        let b = Address([2; 32]);
        let unsorted = AccessList {
            reads: vec![Key::new(b, *b"x"), Key::new(a, *b"y")],
            writes: vec![Key::new(b, *b"w"), Key::new(a, *b"w")],
        };
        let mut sorted = unsorted.clone();
        sorted.normalize();
        for list in [&unsorted, &sorted] {
            assert!(list.allows_read(&a, b"y"));
            assert!(list.allows_read(&a, b"w"), "writes are readable");
            assert!(!list.allows_write(&a, b"y"));
            assert!(list.allows_write(&b, b"w"));
            assert!(!list.allows_read(&a, b"x"), "namespaced by contract");
        }
    }

    #[test]
    fn normalize_drops_reads_that_are_writes() {
        let a = Address([1; 32]);
        let mut list = AccessList {
            reads: vec![Key::new(a, *b"k"), Key::new(a, *b"r"), Key::new(a, *b"r")],
            writes: vec![Key::new(a, *b"k")],
        };
        list.normalize();
        assert_eq!(list.reads, vec![Key::new(a, *b"r")]);
        assert_eq!(list.writes, vec![Key::new(a, *b"k")]);
    }

    #[test]
    fn implicit_access_per_kind() {
        let tx = Transaction {
            chain_id: 1,
            sender: PublicKey([2; 33]),
            nonce: 5,
            kind: TxKind::Instantiate {
                code_hash: [9; 32],
                args: vec![],
            },
            access_list: AccessList::default(),
            gas_limit: 1,
        };
        let sender = tx.sender_address();
        let implicit = tx.implicit_access();
        assert_eq!(implicit.reads, vec![system::code_key(&[9; 32])]);
        assert_eq!(
            implicit.writes,
            vec![
                system::nonce_key(&sender),
                system::contract_key(&system::contract_address(&sender, 5))
            ]
        );
    }

    /// One transaction of each kind, with access lists naming several contracts in an
    /// interleaved order, the system namespace and the called contract.
    fn varied_transactions() -> alloc::vec::Vec<Transaction> {
        let (a, b, c) = (Address([7; 32]), Address([3; 32]), Address([5; 32]));
        let access_list = AccessList {
            reads: vec![Key::new(a, *b"x"), Key::new(b, *b"y"), Key::new(a, *b"z")],
            writes: vec![
                Key::new(c, vec![1; 40]),
                Key::new(Address::SYSTEM, *b"s"),
                Key::new(b, *b""),
            ],
        };
        let kinds = [
            TxKind::Deploy { code: vec![0; 300] },
            TxKind::Instantiate {
                code_hash: [9; 32],
                args: vec![1, 2, 3],
            },
            TxKind::Call {
                contract: a,
                method: "transfer".into(),
                args: vec![4; 70],
            },
        ];
        kinds
            .into_iter()
            .flat_map(|kind| {
                [AccessList::default(), access_list.clone()].map(|access_list| Transaction {
                    chain_id: 1,
                    sender: PublicKey([2; 33]),
                    nonce: 5,
                    kind: kind.clone(),
                    access_list,
                    gas_limit: 1,
                })
            })
            .collect()
    }

    #[test]
    fn encoded_len_is_the_length_of_the_encoding() {
        for tx in varied_transactions() {
            assert_eq!(tx.encoded_len(), tx.encode().len(), "{:?}", tx.kind);
        }
    }

    #[test]
    fn implicit_keys_name_each_other_namespace_once() {
        // The last one calls `a` and declares keys of `a`, `b`, `c` and the system.
        let tx = varied_transactions().pop().expect("some");
        let (a, b, c) = (Address([7; 32]), Address([3; 32]), Address([5; 32]));
        let sender = tx.sender_address();
        let mut expected = AccessList {
            reads: vec![
                system::contract_key(&a),
                system::contract_key(&b),
                system::contract_key(&c),
            ],
            writes: vec![system::nonce_key(&sender)],
        };
        expected.normalize();
        let mut implicit = tx.implicit_access();
        implicit.normalize();
        assert_eq!(implicit, expected);
    }

    #[test]
    fn visiting_implicit_keys_yields_the_implicit_access_list() {
        for tx in varied_transactions() {
            let sender = tx.sender_address();
            let mut visited = AccessList::default();
            let mut visits = 0;
            tx.visit_implicit_access(&sender, |access, contract, bytes| {
                visits += 1;
                let key = Key::new(*contract, bytes.to_vec());
                match access {
                    Access::Read => visited.reads.push(key),
                    Access::Write => visited.writes.push(key),
                }
            });
            let mut implicit = tx.implicit_access_of(&sender);
            assert_eq!(visits, implicit.len(), "each key once: {:?}", tx.kind);
            visited.normalize();
            implicit.normalize();
            assert_eq!(visited, implicit);
        }
    }

    #[test]
    fn implicit_records_are_the_implicit_keys_but_the_nonce() {
        for tx in varied_transactions() {
            let sender = tx.sender_address();
            let (mut all, mut records) = (vec![], vec![]);
            tx.visit_implicit_access(&sender, |access, contract, bytes| {
                all.push((access, Key::new(*contract, bytes.to_vec())));
            });
            let mut asked = 0;
            tx.visit_implicit_records(
                || {
                    asked += 1;
                    sender
                },
                |access, contract, bytes| {
                    records.push((access, Key::new(*contract, bytes.to_vec())))
                },
            );
            let instantiates = matches!(tx.kind, TxKind::Instantiate { .. });
            assert_eq!(asked, usize::from(instantiates), "{:?}", tx.kind);
            assert_eq!(all[0], (Access::Write, system::nonce_key(&sender)));
            assert_eq!(all[1..], records[..]);
        }
    }

    #[test]
    fn nonce_keys_are_told_from_other_system_keys() {
        let account = Address([4; 32]);
        assert!(system::is_nonce_key(&system::nonce_key(&account)));
        assert!(!system::is_nonce_key(&system::code_key(&[4; 32])));
        assert!(!system::is_nonce_key(&system::contract_key(&account)));
        let bytes = system::nonce_key(&account).bytes;
        assert!(!system::is_nonce_key(&Key::new(account, bytes.clone())));
        assert!(!system::is_nonce_key(&Key::new(
            Address::SYSTEM,
            bytes[..32].to_vec()
        )));
    }

    #[test]
    fn host_function_names_are_unique_and_costed() {
        for (i, f) in HOST_FUNCTIONS.iter().enumerate() {
            assert!(HOST_FUNCTIONS[i + 1..].iter().all(|g| g.name != f.name));
            assert!(f.cost.base > 0, "{} is free", f.name);
            assert!(f.results.len() <= 1);
        }
        assert_eq!(
            HostFunction::by_name("storage_read").unwrap().params.len(),
            4
        );
    }
}
