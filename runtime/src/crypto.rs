//! Transaction signatures: ECDSA over secp256k1 (k256) on sha256 of the borsh-encoded body.

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{Signature as EcdsaSignature, SigningKey, VerifyingKey};
use keyway_host_api::{Address, PublicKey, Signature, SignedTransaction, Status, Transaction};

/// A transaction whose signature has been checked, with what verification computed.
#[derive(Clone, Copy, Debug)]
pub struct VerifiedTransaction<'a> {
    /// The transaction.
    pub signed: &'a SignedTransaction,
    /// The sender's address (sha256 of its public key).
    pub sender: Address,
    /// Length of the borsh-encoded body, for intrinsic gas.
    pub body_len: usize,
}

/// Checks `signed`'s signature. A failure is the receipt status `InvalidSignature`.
pub fn verify(signed: &SignedTransaction) -> Result<VerifiedTransaction<'_>, Status> {
    let body = signed.tx.encode();
    let prehash = keyway_host_api::system::sha256(&body);
    if !verify_prehash(&prehash, &signed.signature.0, &signed.tx.sender.0) {
        return Err(Status::InvalidSignature);
    }
    Ok(VerifiedTransaction {
        signed,
        sender: signed.tx.sender_address(),
        body_len: body.len(),
    })
}

/// A transaction whose signature the caller has already checked (e.g. at mempool
/// admission): computes what [`verify`] would, without the ECDSA check.
pub fn already_verified(signed: &SignedTransaction) -> VerifiedTransaction<'_> {
    VerifiedTransaction {
        signed,
        sender: signed.tx.sender_address(),
        body_len: signed.tx.encoded_len(),
    }
}

/// ECDSA verification of a 64-byte compact signature over a 32-byte prehash with a
/// 33-byte compressed key. High-s signatures are rejected (no malleability).
pub fn verify_prehash(prehash: &[u8; 32], signature: &[u8; 64], public_key: &[u8; 33]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let Ok(signature) = EcdsaSignature::from_slice(signature) else {
        return false;
    };
    if signature.normalize_s().is_some() {
        return false;
    }
    key.verify_prehash(prehash, &signature).is_ok()
}

/// A secp256k1 key pair that signs transactions (clients, tests, vectors, demos).
#[derive(Clone)]
pub struct Keypair {
    signing: SigningKey,
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keypair({})", self.address())
    }
}

impl Keypair {
    /// A deterministic key derived from a seed: the secret is sha256(seed), re-hashed
    /// until it is a valid scalar. For tests and named test keys only.
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut secret = keyway_host_api::system::sha256(seed);
        loop {
            if let Ok(signing) = SigningKey::from_bytes(&secret.into()) {
                return Keypair { signing };
            }
            secret = keyway_host_api::system::sha256(&secret);
        }
    }

    /// The compressed public key.
    pub fn public_key(&self) -> PublicKey {
        let point = self.signing.verifying_key().to_encoded_point(true);
        let mut bytes = [0u8; 33];
        bytes.copy_from_slice(point.as_bytes());
        PublicKey(bytes)
    }

    /// The account address (sha256 of the public key).
    pub fn address(&self) -> Address {
        keyway_host_api::system::address_of(&self.public_key())
    }

    /// Signs a 32-byte prehash (low-s, compact encoding).
    pub fn sign_prehash(&self, prehash: &[u8; 32]) -> Signature {
        let signature: EcdsaSignature = self
            .signing
            .sign_prehash(prehash)
            .expect("signing a 32-byte prehash with a valid key cannot fail");
        let signature = signature.normalize_s().unwrap_or(signature);
        Signature(signature.to_bytes().into())
    }

    /// Signs `tx`; `tx.sender` should be this key's public key.
    pub fn sign(&self, tx: Transaction) -> SignedTransaction {
        let signature = self.sign_prehash(&tx.signing_hash());
        SignedTransaction { tx, signature }
    }
}
