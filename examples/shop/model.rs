//! The catalogue, and the cart and checkout draft the shop keeps in its cookies.
//!
//! Stored values are tagged with their Rust type's path (`shop::model::Cart`), so moving one
//! of these types to another module makes values stored under the old path unreadable.

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

/// The cart, stored in the session under `"cart"` as postcard bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cart {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    pub product: u32,
    pub qty: u32,
    pub note: String,
}

impl Cart {
    pub fn cents(&self) -> u32 {
        self.items
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
    session.get("cart").ok().flatten().unwrap_or_default()
}
