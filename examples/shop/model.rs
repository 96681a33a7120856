//! The catalogue, and the cart and checkout draft the shop keeps in its cookies.
//!
//! Stored values are read by their shape (field names), not their Rust path: moving a type
//! keeps its values readable; renaming a field needs a migration (see `CartV1`).

use rocket_sealed::Session;
use serde::{Deserialize, Serialize};

pub struct Product {
    pub id: u32,
    pub name: &'static str,
    pub cents: u32,
}

const fn product_entry(id: u32, name: &'static str, cents: u32) -> Product {
    Product { id, name, cents }
}

pub const PRODUCTS: [Product; 10] = [
    product_entry(1, "Earl Grey tea", 650),
    product_entry(2, "Sencha green tea", 890),
    product_entry(3, "Porcelain teapot", 3200),
    product_entry(4, "Cast-iron kettle", 5400),
    product_entry(5, "Bamboo whisk", 1500),
    product_entry(6, "Honey jar", 720),
    product_entry(7, "Shortbread tin", 990),
    product_entry(8, "Linen tea towel", 1250),
    product_entry(9, "Tea strainer", 480),
    product_entry(10, "Gift box", 300),
];

pub fn product(id: u32) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// The cart, stored in the session under `"cart"`. Version 2: its list is `lines`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<Item>,
}

/// The cart as the shop's first version stored it, kept to read carts still in browsers.
/// The field was renamed, an incompatible change: a `Cart` does not read a `CartV1` (that is
/// an `Error::SchemaChanged`, never a cart with the wrong content), so `migrate_cart` converts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CartV1 {
    pub items: Vec<Item>,
}

impl From<CartV1> for Cart {
    fn from(old: CartV1) -> Cart {
        Cart { lines: old.items }
    }
}

/// Reads the cart, converting (and storing) one of the first version. A cart that reads as
/// neither is reported by the session (`unreadable_keys`), counted, logged, and dropped.
pub fn migrate_cart(session: &Session<'_>) -> Option<Cart> {
    session
        .migrate::<CartV1, Cart>("cart", Cart::from)
        .ok()
        .flatten()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    pub product: u32,
    pub qty: u32,
    pub note: String,
}

impl Cart {
    pub fn cents(&self) -> u32 {
        self.lines
            .iter()
            .map(|i| product(i.product).map_or(0, |p| p.cents) * i.qty)
            .sum()
    }
}

/// The checkout wizard's draft, carried in TempData under `"draft"` from step to step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Draft {
    pub address: String,
    pub shipping: Option<String>,
}

pub const SHIPPING: [(&str, &str); 3] = [
    ("standard", "Standard (3–5 days)"),
    ("express", "Express (next day)"),
    ("pickup", "Pick up in store"),
];

pub fn user(session: &Session<'_>) -> Option<String> {
    session.get("user").ok().flatten()
}

pub fn cart(session: &Session<'_>) -> Cart {
    migrate_cart(session).unwrap_or_default()
}
