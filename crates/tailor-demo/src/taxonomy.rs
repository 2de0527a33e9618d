//! The shop the demo catalog is drawn from: category leaves with their product kinds, styles, brands, price
//! bands, pack sizes and looks. Data only: `catalog` turns it into products and `svg` into pictures.
//! Every brand here is invented; allergens sit on the kind or style that brings them, so titles and
//! allergen lists cannot disagree.

use crate::diet::Allergen::{self, *};
use Origin::*;
use Tier::*;

/// Top-level categories whose products people eat or drink, and so carry allergens and diet claims.
pub(crate) const FOOD_ROOTS: [&str; 2] = ["Groceries", "Beverages"];

/// Clothing sizes, smallest first.
pub(crate) const CLOTHING_SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
/// EU shoe sizes, smallest first.
pub(crate) const SHOE_SIZES: &[&str] = &[
    "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46",
];
/// Sock sizes, each spanning a few shoe sizes.
pub(crate) const SOCK_SIZES: &[&str] = &["35-38", "39-42", "43-46"];

/// Colour names with the hex the placeholder images paint them in.
pub(crate) const COLOURS: &[(&str, &str)] = &[
    ("Black", "#2b2b2e"),
    ("White", "#f4f2ee"),
    ("Navy", "#23325e"),
    ("Grey", "#8c9098"),
    ("Red", "#c23b32"),
    ("Forest Green", "#2f6b45"),
    ("Sand", "#d9c4a0"),
    ("Sky Blue", "#72a9d8"),
    ("Burgundy", "#7a2139"),
    ("Ochre", "#c8962e"),
    ("Blush Pink", "#e6a3b5"),
    ("Olive", "#6c7a3c"),
];

/// Where a product's ingredients come from, for the diet claims allergens alone cannot decide
/// (honey is not vegan, pork is never halal). Later variants win when a kind and a style are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Origin {
    /// Plants only.
    Plant,
    /// Milk, eggs or honey, but no meat or seafood.
    AnimalProduct,
    /// Holds alcohol.
    Alcohol,
    /// Fish or shellfish.
    Seafood,
    /// Meat other than pork.
    Meat,
    /// Pork.
    Pork,
}

/// A brand's price position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Budget,
    Standard,
    Premium,
}

impl Tier {
    /// How a brand of this tier prices against the leaf's band.
    pub(crate) fn price_factor(self) -> f64 {
        match self {
            Budget => 0.75,
            Standard => 1.0,
            Premium => 1.5,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Brand {
    pub(crate) name: &'static str,
    pub(crate) tier: Tier,
}

const fn brand(name: &'static str, tier: Tier) -> Brand {
    Brand { name, tier }
}

/// How a product is measured and which pack sizes exist. The first size is the base that the leaf's
/// price band and usage days refer to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Measure {
    /// Net weight in grams.
    Grams(&'static [u32]),
    /// Volume in millilitres.
    Millilitres(&'static [u32]),
    /// A count of pieces, with the word for one piece ("bags", "pcs").
    Count(&'static [u32], &'static str),
    /// A multipack: counts of items of the given weight in grams each.
    Multi(&'static [u32], u32),
    /// Apparel sizes; every model comes in several of them.
    Sizes(&'static [&'static str]),
    /// One item, no pack sizes.
    Unit,
}

/// A word in front of the kind's noun ("Crunchy", "Organic"), with whatever it adds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) word: &'static str,
    pub(crate) allergens: &'static [Allergen],
    pub(crate) origin: Origin,
    pub(crate) tags: &'static [&'static str],
}

const fn st(word: &'static str) -> Style {
    Style {
        word,
        allergens: &[],
        origin: Plant,
        tags: &[],
    }
}

impl Style {
    const fn has(self, allergens: &'static [Allergen]) -> Self {
        Style { allergens, ..self }
    }
    const fn of(self, origin: Origin) -> Self {
        Style { origin, ..self }
    }
    const fn tagged(self, tags: &'static [&'static str]) -> Self {
        Style { tags, ..self }
    }
}

/// What the product is ("Peanut Butter"), what it always contains, and the styles it comes in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    pub(crate) noun: &'static str,
    pub(crate) allergens: &'static [Allergen],
    pub(crate) origin: Origin,
    pub(crate) styles: &'static [Style],
    /// Overrides the leaf's measure.
    pub(crate) measure: Option<Measure>,
    /// Multiplies the leaf's price band (salmon costs more than chicken).
    pub(crate) price: f64,
    /// Multiplies the leaf's usage days (salt lasts longer than olive oil).
    pub(crate) usage: f64,
    pub(crate) tags: &'static [&'static str],
}

const fn k(
    noun: &'static str,
    allergens: &'static [Allergen],
    origin: Origin,
    styles: &'static [Style],
) -> Kind {
    Kind {
        noun,
        allergens,
        origin,
        styles,
        measure: None,
        price: 1.0,
        usage: 1.0,
        tags: &[],
    }
}

impl Kind {
    const fn measure(self, m: Measure) -> Self {
        Kind {
            measure: Some(m),
            ..self
        }
    }
    const fn price(self, price: f64) -> Self {
        Kind { price, ..self }
    }
    const fn usage(self, usage: f64) -> Self {
        Kind { usage, ..self }
    }
    const fn tagged(self, tags: &'static [&'static str]) -> Self {
        Kind { tags, ..self }
    }
}

/// The icon a placeholder image draws for a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Icon {
    Jar,
    Bag,
    Bottle,
    Carton,
    Cup,
    Bar,
    Box,
    Loaf,
    Wedge,
    Can,
    Fruit,
    Fish,
    Sack,
    Glass,
    Tube,
    Pan,
    Spray,
    Candle,
    Shirt,
    Shoe,
    Sock,
    Paw,
    Gadget,
    Snowflake,
}

/// How a leaf looks in placeholder images: a hue (0-359) and an icon.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look {
    pub(crate) hue: u16,
    pub(crate) icon: Icon,
}

const fn look(hue: u16, icon: Icon) -> Look {
    Look { hue, icon }
}

/// One leaf category and everything needed to fill it with believable products.
#[derive(Debug)]
pub(crate) struct Leaf {
    /// From the root down.
    pub(crate) path: &'static [&'static str],
    /// Relative share of the catalog.
    pub(crate) share: u32,
    pub(crate) kinds: &'static [Kind],
    pub(crate) brands: &'static [Brand],
    /// Regular price range in EUR of one base pack at a standard-tier brand.
    pub(crate) price: (f64, f64),
    pub(crate) measure: Measure,
    /// Days one base pack lasts a typical household; `None` for durable goods.
    pub(crate) usage_days: Option<f64>,
    /// Whether models come in several colours.
    pub(crate) colours: bool,
    pub(crate) tags: &'static [&'static str],
    /// Sentences a description draws from.
    pub(crate) blurbs: &'static [&'static str],
    pub(crate) look: Look,
}

impl Leaf {
    /// Whether people eat or drink what this leaf sells.
    pub(crate) fn is_food(&self) -> bool {
        FOOD_ROOTS.contains(&self.path[0])
    }
}

/// The leaf whose path equals `path`, if the catalog came from this table.
pub(crate) fn find_leaf(path: &[String]) -> Option<&'static Leaf> {
    LEAVES
        .iter()
        .find(|l| l.path.len() == path.len() && l.path.iter().zip(path).all(|(a, b)| *a == b))
}

// --- Brands shared across leaves -------------------------------------------------------------------
const CORNER: Brand = brand("Corner Market", Budget);
const OLD_MILL: Brand = brand("Old Mill Bakery", Standard);
const HOLLOW_OAK: Brand = brand("Hollow Oak Farm", Premium);
const HARBOUR: Brand = brand("Harbour Catch", Standard);
const WILDROOT: Brand = brand("Wildroot Organic", Premium);
const CASA: Brand = brand("Casa Bellini", Standard);
const NUTWOOD: Brand = brand("Nutwood", Standard);
const OAT_ATLAS: Brand = brand("Oat Atlas", Standard);
const SUNNY: Brand = brand("Sunny Orchard", Standard);
const PURE_PETAL: Brand = brand("Pure Petal", Standard);
const WOLFDEN: Brand = brand("Wolfden", Premium);
const WHISKER: Brand = brand("Whisker & Tail", Standard);
const NORDVIK: Brand = brand("Nordvik", Standard);
const LOOMCRAFT: Brand = brand("Loomcraft", Premium);
const STREETLOOM: Brand = brand("Streetloom", Budget);

// --- Styles shared across kinds ----------------------------------------------------------------------
const PLAIN: Style = st("");
const ORGANIC: Style = st("Organic").tagged(&["organic"]);
const HONEY: Style = st("Honey").of(AnimalProduct);

const NUT_STYLES: &[Style] = &[
    st("Roasted"),
    st("Salted"),
    st("Unsalted"),
    st("Honey Roasted").of(AnimalProduct),
    st("Smoked"),
    st("Chili Lime").tagged(&["spicy"]),
    ORGANIC,
];
const CRISP_STYLES: &[Style] = &[
    st("Sea Salt"),
    st("Paprika"),
    st("Sour Cream & Onion").has(&[Milk]).of(AnimalProduct),
    st("Salt & Vinegar"),
    st("Cheddar & Onion").has(&[Milk]).of(AnimalProduct),
    st("Smoky BBQ").has(&[Mustard]),
    st("Sweet Chili").tagged(&["spicy"]),
    st("Rosemary"),
];
const CHOCOLATE_STYLES: &[Style] = &[
    PLAIN,
    st("Whole Hazelnut").has(&[Nuts]),
    st("Almond").has(&[Nuts]),
    st("Sea Salt"),
    st("Orange"),
    st("Raspberry"),
    st("Peanut Caramel").has(&[Peanuts, Milk]).of(AnimalProduct),
    st("Mint"),
    st("Crispy Rice"),
];
const COOKIE_STYLES: &[Style] = &[
    PLAIN,
    st("Chocolate Chip")
        .has(&[Milk, Soybeans])
        .of(AnimalProduct),
    st("Double Chocolate")
        .has(&[Milk, Soybeans])
        .of(AnimalProduct),
    st("Oat & Raisin").has(&[Sulphites]),
    st("Hazelnut").has(&[Nuts]),
    st("Lemon"),
    st("Ginger"),
];
const BREAD_STYLES: &[Style] = &[
    st("Classic"),
    st("Seeded").has(&[Sesame]),
    st("Multigrain"),
    st("Sunflower"),
    ORGANIC,
];
const YOGURT_STYLES: &[Style] = &[
    st("Plain"),
    st("Strawberry"),
    st("Vanilla"),
    st("Blueberry"),
    HONEY,
    st("Mango"),
    st("Low-Fat"),
];
const MILK_STYLES: &[Style] = &[st("Fresh"), ORGANIC, st("Pasture-Raised"), st("Long-Life")];
const PLANT_DRINK_STYLES: &[Style] = &[
    st("Original"),
    st("Barista"),
    st("Unsweetened"),
    st("Vanilla"),
    st("Chocolate"),
    ORGANIC,
];
const PASTA_STYLES: &[Style] = &[
    st("Durum Wheat"),
    st("Wholewheat"),
    ORGANIC,
    st("Bronze-Cut"),
];
const COFFEE_STYLES: &[Style] = &[
    st("House Blend"),
    st("Colombia"),
    st("Ethiopia Yirgacheffe"),
    st("Brazil Santos"),
    st("Sumatra"),
    st("Guatemala"),
    st("Dark Roast"),
    st("Medium Roast"),
    ORGANIC,
];
const SKIN_STYLES: &[Style] = &[
    st("Hydrating"),
    st("Sensitive"),
    st("Aloe Vera"),
    st("Shea Butter"),
    st("Unscented"),
    st("Lavender"),
];
const HAIR_STYLES: &[Style] = &[
    st("Volume"),
    st("Repair"),
    st("Colour Care"),
    st("Argan"),
    st("Sensitive"),
];
const TEE_STYLES: &[Style] = &[
    st("Organic Cotton").tagged(&["organic"]),
    st("Essential"),
    st("Heavyweight"),
    st("Slim Fit"),
];
const HOODIE_STYLES: &[Style] = &[
    st("Classic"),
    st("Organic Cotton").tagged(&["organic"]),
    st("Heavyweight"),
    st("Fleece"),
];
const CLEAN_STYLES: &[Style] = &[
    st("Lemon"),
    st("Lavender"),
    st("Sensitive"),
    st("Eco").tagged(&["eco"]),
    st("Fresh Linen"),
];

/// Every leaf of the demo shop. Shares add up to roughly 1,050, two thirds of it food and drink.
pub(crate) static LEAVES: &[Leaf] = &[
    // ---------------------------------------------------------------------------------- Groceries
    Leaf {
        path: &["Groceries", "Snacks", "Nuts"],
        share: 40,
        kinds: &[
            k("Almonds", &[Nuts], Plant, NUT_STYLES),
            k("Cashews", &[Nuts], Plant, NUT_STYLES),
            k("Walnuts", &[Nuts], Plant, NUT_STYLES),
            k("Hazelnuts", &[Nuts], Plant, NUT_STYLES),
            k("Pistachios", &[Nuts], Plant, NUT_STYLES).price(1.4),
            k("Peanuts", &[Peanuts], Plant, NUT_STYLES).price(0.6),
            k("Mixed Nuts", &[Nuts, Peanuts], Plant, NUT_STYLES),
            k(
                "Trail Mix",
                &[Nuts, Peanuts, Sulphites],
                Plant,
                &[
                    st("Classic"),
                    st("Tropical"),
                    st("Berry"),
                    st("Chocolate").has(&[Milk, Soybeans]).of(AnimalProduct),
                ],
            ),
        ],
        brands: &[
            NUTWOOD,
            brand("Kernel & Co.", Premium),
            brand("Sunhusk", Standard),
            CORNER,
        ],
        price: (2.2, 4.5),
        measure: Measure::Grams(&[200, 500, 1000]),
        usage_days: Some(10.0),
        colours: false,
        tags: &["snack", "protein"],
        blurbs: &[
            "Slow roasted in small batches for an even crunch.",
            "A handful keeps you going between meetings or on the trail.",
            "Packed in a resealable bag to stay fresh after opening.",
        ],
        look: look(30, Icon::Bag),
    },
    Leaf {
        path: &["Groceries", "Snacks", "Crisps"],
        share: 35,
        kinds: &[
            k("Potato Crisps", &[], Plant, CRISP_STYLES),
            k("Kettle Chips", &[], Plant, CRISP_STYLES),
            k("Tortilla Chips", &[], Plant, CRISP_STYLES),
            k("Lentil Chips", &[], Plant, CRISP_STYLES).price(1.2),
            k(
                "Pretzels",
                &[Gluten],
                Plant,
                &[st("Salted"), st("Sourdough"), st("Sesame").has(&[Sesame])],
            ),
            k(
                "Popcorn",
                &[],
                Plant,
                &[
                    st("Sweet & Salty"),
                    st("Sea Salt"),
                    st("Butter").has(&[Milk]).of(AnimalProduct),
                    st("Caramel").has(&[Milk]).of(AnimalProduct),
                ],
            ),
        ],
        brands: &[
            brand("Crunchwell", Standard),
            brand("Golden Field", Standard),
            brand("Hearth & Salt", Premium),
            CORNER,
        ],
        price: (1.3, 2.8),
        measure: Measure::Grams(&[150, 300]),
        usage_days: Some(4.0),
        colours: false,
        tags: &["snack"],
        blurbs: &[
            "Cooked in sunflower oil and seasoned while still warm.",
            "Made for sharing, though nobody will blame you if you don't.",
            "Thick cut for a proper crunch.",
        ],
        look: look(45, Icon::Bag),
    },
    Leaf {
        path: &["Groceries", "Snacks", "Chocolate"],
        share: 40,
        kinds: &[
            k("Dark Chocolate 70%", &[Soybeans], Plant, CHOCOLATE_STYLES),
            k(
                "Milk Chocolate",
                &[Milk, Soybeans],
                AnimalProduct,
                CHOCOLATE_STYLES,
            ),
            k(
                "White Chocolate",
                &[Milk, Soybeans],
                AnimalProduct,
                CHOCOLATE_STYLES,
            ),
            k(
                "Oat Milk Chocolate",
                &[Gluten],
                Plant,
                &[
                    PLAIN,
                    st("Whole Hazelnut").has(&[Nuts]),
                    st("Sea Salt"),
                    st("Orange"),
                    st("Crispy Rice"),
                ],
            )
            .price(1.2)
            .tagged(&["plant-based"]),
        ],
        brands: &[
            brand("Cacao Atelier", Premium),
            brand("Cocoa Lane", Standard),
            brand("Mørkhus", Premium),
            CORNER,
        ],
        price: (1.5, 3.5),
        measure: Measure::Grams(&[100, 200]),
        usage_days: Some(6.0),
        colours: false,
        tags: &["sweets", "gift"],
        blurbs: &[
            "Made from fairly traded cocoa beans, conched for a smooth melt.",
            "Snap off a square with your afternoon coffee.",
            "Wrapped in recyclable paper.",
        ],
        look: look(20, Icon::Bar),
    },
    Leaf {
        path: &["Groceries", "Snacks", "Cookies & Biscuits"],
        share: 30,
        kinds: &[
            k(
                "Butter Cookies",
                &[Gluten, Milk, Eggs],
                AnimalProduct,
                COOKIE_STYLES,
            ),
            k("Oat Cookies", &[Gluten], Plant, COOKIE_STYLES),
            k(
                "Digestive Biscuits",
                &[Gluten, Milk],
                AnimalProduct,
                COOKIE_STYLES,
            ),
            k(
                "Shortbread",
                &[Gluten, Milk],
                AnimalProduct,
                &[st("Classic"), st("Lemon"), st("Salted Caramel")],
            ),
            k(
                "Gluten-Free Cookies",
                &[Eggs],
                AnimalProduct,
                &[
                    st("Chocolate Chip").has(&[Milk, Soybeans]),
                    st("Lemon"),
                    st("Classic"),
                ],
            )
            .price(1.3),
            k(
                "Vegan Cookies",
                &[Gluten],
                Plant,
                &[
                    st("Dark Chocolate Chip").has(&[Soybeans]),
                    st("Oat & Raisin"),
                    st("Ginger"),
                ],
            ),
        ],
        brands: &[
            OLD_MILL,
            brand("Crumb & Co.", Standard),
            brand("Fieldstone Bakehouse", Premium),
            CORNER,
        ],
        price: (1.4, 3.2),
        measure: Measure::Grams(&[150, 300]),
        usage_days: Some(7.0),
        colours: false,
        tags: &["sweets"],
        blurbs: &[
            "Baked golden to a recipe that has not changed in years.",
            "Perfect for dunking.",
            "A tin-worthy biscuit for guests, or for yourself.",
        ],
        look: look(35, Icon::Box),
    },
    Leaf {
        path: &["Groceries", "Snacks", "Bars"],
        share: 20,
        kinds: &[
            k(
                "Protein Bars",
                &[Milk, Soybeans],
                AnimalProduct,
                &[
                    st("Chocolate Peanut").has(&[Peanuts]),
                    st("Cookie Dough").has(&[Gluten]),
                    st("Salted Caramel"),
                    st("Vanilla Almond").has(&[Nuts]),
                ],
            )
            .price(1.5)
            .tagged(&["protein", "sport"]),
            k(
                "Granola Bars",
                &[Gluten],
                Plant,
                &[
                    st("Honey Almond").has(&[Nuts]).of(AnimalProduct),
                    st("Dark Chocolate").has(&[Soybeans]),
                    st("Berry"),
                    st("Apple Cinnamon"),
                ],
            ),
            k(
                "Nut Bars",
                &[Nuts],
                Plant,
                &[
                    st("Sea Salt"),
                    st("Dark Chocolate").has(&[Soybeans]),
                    st("Coconut"),
                    st("Maple"),
                ],
            ),
            k(
                "Fruit & Oat Bars",
                &[Gluten],
                Plant,
                &[st("Apricot").has(&[Sulphites]), st("Berry"), st("Fig")],
            ),
        ],
        brands: &[
            brand("Peakfuel", Standard),
            OAT_ATLAS,
            brand("Trailmark", Premium),
            CORNER,
        ],
        price: (2.2, 4.0),
        measure: Measure::Multi(&[5, 10], 35),
        usage_days: Some(5.0),
        colours: false,
        tags: &["snack", "on-the-go"],
        blurbs: &[
            "Fits in a jacket pocket for long days out.",
            "No artificial sweeteners.",
            "Chewy, filling and not too sweet.",
        ],
        look: look(95, Icon::Bar),
    },
    Leaf {
        path: &["Groceries", "Bakery"],
        share: 40,
        kinds: &[
            k("Sourdough Bread", &[Gluten], Plant, BREAD_STYLES).tagged(&["sourdough"]),
            k("Whole Wheat Bread", &[Gluten], Plant, BREAD_STYLES),
            k(
                "Rye Bread",
                &[Gluten],
                Plant,
                &[st("Dark"), st("Caraway"), st("Seeded").has(&[Sesame])],
            ),
            k(
                "Brioche Loaf",
                &[Gluten, Milk, Eggs],
                AnimalProduct,
                &[
                    st("Classic"),
                    st("Chocolate Chip").has(&[Soybeans]),
                    st("Cinnamon"),
                ],
            ),
            k(
                "Gluten-Free Bread",
                &[Eggs],
                AnimalProduct,
                &[st("Classic"), st("Seeded").has(&[Sesame]), st("Buckwheat")],
            )
            .price(1.4),
            k(
                "Croissants",
                &[Gluten, Milk, Eggs],
                AnimalProduct,
                &[
                    st("Butter"),
                    st("Almond").has(&[Nuts]),
                    st("Chocolate").has(&[Soybeans]),
                ],
            )
            .measure(Measure::Multi(&[4, 6], 45)),
            k(
                "Bagels",
                &[Gluten, Sesame],
                Plant,
                &[st("Plain"), st("Everything"), st("Cinnamon Raisin")],
            )
            .measure(Measure::Multi(&[4, 6], 85)),
            k(
                "Tortilla Wraps",
                &[Gluten],
                Plant,
                &[st("Plain"), st("Wholewheat"), st("Spinach")],
            )
            .measure(Measure::Multi(&[6, 8], 40)),
        ],
        brands: &[
            OLD_MILL,
            brand("Fieldstone Bakehouse", Premium),
            brand("Crumb & Co.", Standard),
            CORNER,
        ],
        price: (1.8, 3.8),
        measure: Measure::Grams(&[400, 800]),
        usage_days: Some(4.0),
        colours: false,
        tags: &["fresh", "bread"],
        blurbs: &[
            "Baked every morning and delivered the same day.",
            "Slice, toast and top with whatever you like.",
            "Keeps for days in a bread bin; freezes well.",
        ],
        look: look(32, Icon::Loaf),
    },
    Leaf {
        path: &["Groceries", "Dairy", "Milk"],
        share: 22,
        kinds: &[
            k("Whole Milk", &[Milk], AnimalProduct, MILK_STYLES),
            k("Semi-Skimmed Milk", &[Milk], AnimalProduct, MILK_STYLES),
            k(
                "Skimmed Milk",
                &[Milk],
                AnimalProduct,
                &[st("Fresh"), st("Long-Life")],
            ),
            k(
                "Buttermilk",
                &[Milk],
                AnimalProduct,
                &[st("Fresh"), ORGANIC],
            )
            .measure(Measure::Millilitres(&[500])),
            k(
                "Chocolate Milk",
                &[Milk],
                AnimalProduct,
                &[st("Classic"), st("Double")],
            )
            .measure(Measure::Millilitres(&[500, 1000]))
            .price(1.3),
        ],
        brands: &[
            brand("Meadowvale", Standard),
            brand("Dalby Creamery", Standard),
            HOLLOW_OAK,
            CORNER,
        ],
        price: (0.95, 1.6),
        measure: Measure::Millilitres(&[1000, 2000]),
        usage_days: Some(3.0),
        colours: false,
        tags: &["chilled", "breakfast"],
        blurbs: &[
            "From cows that graze outdoors from spring to autumn.",
            "Gently pasteurised to keep its fresh taste.",
            "In a carton made mostly from plants.",
        ],
        look: look(205, Icon::Carton),
    },
    Leaf {
        path: &["Groceries", "Dairy", "Yogurt"],
        share: 25,
        kinds: &[
            k("Greek Yogurt", &[Milk], AnimalProduct, YOGURT_STYLES),
            k("Natural Yogurt", &[Milk], AnimalProduct, YOGURT_STYLES),
            k("Skyr", &[Milk], AnimalProduct, YOGURT_STYLES).tagged(&["protein"]),
            k(
                "Kefir",
                &[Milk],
                AnimalProduct,
                &[st("Plain"), st("Strawberry"), st("Mango")],
            )
            .measure(Measure::Millilitres(&[500, 1000]))
            .price(2.0)
            .usage(3.0),
            k(
                "Coconut Yogurt Alternative",
                &[],
                Plant,
                &[st("Plain"), st("Vanilla"), st("Mango")],
            )
            .price(1.6)
            .tagged(&["plant-based"]),
        ],
        brands: &[
            brand("Meadowvale", Standard),
            HOLLOW_OAK,
            brand("Nordic Dairy Co.", Standard),
            CORNER,
        ],
        price: (0.6, 1.3),
        measure: Measure::Grams(&[150, 500, 1000]),
        usage_days: Some(1.0),
        colours: false,
        tags: &["chilled", "breakfast"],
        blurbs: &[
            "Thick, creamy and live with cultures.",
            "Spoon over granola or eat it straight from the pot.",
            "Strained slowly for a rich texture.",
        ],
        look: look(190, Icon::Jar),
    },
    Leaf {
        path: &["Groceries", "Dairy", "Cheese"],
        share: 30,
        kinds: &[
            k(
                "Cheddar",
                &[Milk],
                AnimalProduct,
                &[st("Mild"), st("Mature"), st("Extra Mature"), st("Smoked")],
            ),
            k(
                "Gouda",
                &[Milk],
                AnimalProduct,
                &[st("Young"), st("Aged"), st("Cumin"), st("Smoked")],
            ),
            k(
                "Mozzarella",
                &[Milk],
                AnimalProduct,
                &[st("Fresh"), st("Buffalo"), st("Grated")],
            )
            .measure(Measure::Grams(&[125, 250])),
            k(
                "Emmental",
                &[Milk],
                AnimalProduct,
                &[st("Sliced"), st("Grated"), ORGANIC],
            ),
            k(
                "Italian-Style Hard Cheese",
                &[Milk],
                AnimalProduct,
                &[st("Aged"), st("Grated")],
            )
            .price(1.5),
            k(
                "Goat Cheese",
                &[Milk],
                AnimalProduct,
                &[st("Soft"), st("Herb"), st("Honey").of(AnimalProduct)],
            )
            .price(1.3),
            k(
                "Brie",
                &[Milk],
                AnimalProduct,
                &[st("Creamy"), st("Truffle")],
            ),
            k(
                "Cream Cheese",
                &[Milk],
                AnimalProduct,
                &[st("Plain"), st("Chive"), st("Garlic & Herb"), st("Light")],
            )
            .price(0.7),
            k(
                "Plant-Based Slices",
                &[],
                Plant,
                &[st("Cheddar-Style"), st("Smoked"), st("Herb")],
            )
            .tagged(&["plant-based"]),
        ],
        brands: &[
            HOLLOW_OAK,
            brand("Dalby Creamery", Standard),
            brand("Fromagerie Verte", Premium),
            CORNER,
        ],
        price: (2.2, 4.5),
        measure: Measure::Grams(&[200, 400]),
        usage_days: Some(7.0),
        colours: false,
        tags: &["chilled"],
        blurbs: &[
            "Matured until the flavour is just right.",
            "Good on a board, better melted.",
            "Made with milk from nearby farms.",
        ],
        look: look(48, Icon::Wedge),
    },
    Leaf {
        path: &["Groceries", "Dairy Alternatives", "Plant Drinks"],
        share: 22,
        kinds: &[
            k("Oat Drink", &[Gluten], Plant, PLANT_DRINK_STYLES),
            k("Soy Drink", &[Soybeans], Plant, PLANT_DRINK_STYLES),
            k("Almond Drink", &[Nuts], Plant, PLANT_DRINK_STYLES),
            k(
                "Rice Drink",
                &[],
                Plant,
                &[st("Original"), st("Unsweetened"), ORGANIC],
            ),
            k(
                "Coconut Drink",
                &[],
                Plant,
                &[st("Original"), st("Unsweetened"), st("Barista")],
            ),
            k(
                "Pea Protein Drink",
                &[],
                Plant,
                &[st("Original"), st("Unsweetened")],
            )
            .tagged(&["protein"]),
        ],
        brands: &[
            brand("Avena Fields", Standard),
            brand("Greenfolk", Standard),
            brand("Sproutly", Premium),
            CORNER,
        ],
        price: (1.5, 2.6),
        measure: Measure::Millilitres(&[1000]),
        usage_days: Some(4.0),
        colours: false,
        tags: &["plant-based", "breakfast"],
        blurbs: &[
            "Froths well for a café-style latte at home.",
            "Fortified with calcium and vitamins D and B12.",
            "Pour it over cereal or into your coffee.",
        ],
        look: look(110, Icon::Carton),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Pasta & Rice"],
        share: 35,
        kinds: &[
            k("Spaghetti", &[Gluten], Plant, PASTA_STYLES),
            k("Penne", &[Gluten], Plant, PASTA_STYLES),
            k("Fusilli", &[Gluten], Plant, PASTA_STYLES),
            k(
                "Egg Tagliatelle",
                &[Gluten, Eggs],
                AnimalProduct,
                &[st("Classic"), st("Spinach"), ORGANIC],
            ),
            k("Red Lentil Fusilli", &[], Plant, &[PLAIN, ORGANIC])
                .price(1.8)
                .tagged(&["protein"]),
            k("Chickpea Penne", &[], Plant, &[PLAIN, ORGANIC])
                .price(1.8)
                .tagged(&["protein"]),
            k(
                "Gluten-Free Spaghetti",
                &[],
                Plant,
                &[st("Corn & Rice"), st("Brown Rice")],
            )
            .price(1.5),
            k(
                "Basmati Rice",
                &[],
                Plant,
                &[st("White"), st("Brown"), ORGANIC],
            ),
            k("Jasmine Rice", &[], Plant, &[st("White"), ORGANIC]),
            k(
                "Risotto Rice",
                &[],
                Plant,
                &[st("Arborio"), st("Carnaroli")],
            )
            .price(1.3),
            k(
                "Couscous",
                &[Gluten],
                Plant,
                &[st("Classic"), st("Wholewheat"), st("Pearl")],
            ),
            k(
                "Quinoa",
                &[],
                Plant,
                &[st("White"), st("Tricolour"), ORGANIC],
            )
            .measure(Measure::Grams(&[500]))
            .price(2.0),
        ],
        brands: &[
            CASA,
            brand("Nonna Teresa", Premium),
            brand("Riverbend Grains", Standard),
            CORNER,
        ],
        price: (1.0, 2.6),
        measure: Measure::Grams(&[500, 1000]),
        usage_days: Some(10.0),
        colours: false,
        tags: &["pantry"],
        blurbs: &[
            "Cooks in about ten minutes.",
            "A cupboard staple for quick weeknight dinners.",
            "Holds its shape and its bite.",
        ],
        look: look(40, Icon::Sack),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Spreads"],
        share: 35,
        kinds: &[
            k(
                "Peanut Butter",
                &[Peanuts],
                Plant,
                &[
                    st("Crunchy"),
                    st("Smooth"),
                    st("Organic Crunchy").tagged(&["organic"]),
                    st("Salt-Free Smooth"),
                ],
            )
            .measure(Measure::Grams(&[340, 1000]))
            .tagged(&["protein"]),
            k(
                "Almond Butter",
                &[Nuts],
                Plant,
                &[st("Smooth"), st("Crunchy"), st("Roasted")],
            )
            .measure(Measure::Grams(&[170, 340]))
            .price(1.8),
            k(
                "Cashew Butter",
                &[Nuts],
                Plant,
                &[st("Smooth"), st("Roasted")],
            )
            .measure(Measure::Grams(&[170, 340]))
            .price(1.8),
            k(
                "Hazelnut Cocoa Spread",
                &[Nuts, Milk, Soybeans],
                AnimalProduct,
                &[st("Classic"), st("Crunchy")],
            )
            .measure(Measure::Grams(&[350, 750])),
            k(
                "Tahini",
                &[Sesame],
                Plant,
                &[st("Light"), st("Whole Seed"), ORGANIC],
            ),
            k(
                "Jam",
                &[],
                Plant,
                &[
                    st("Strawberry"),
                    st("Apricot"),
                    st("Raspberry"),
                    st("Cherry"),
                    st("Blackcurrant"),
                    st("Fig"),
                ],
            )
            .measure(Measure::Grams(&[340])),
            k(
                "Honey",
                &[],
                AnimalProduct,
                &[
                    st("Acacia"),
                    st("Wildflower"),
                    st("Forest"),
                    st("Creamy"),
                    st("Lavender"),
                ],
            )
            .measure(Measure::Grams(&[250, 500]))
            .price(1.6)
            .usage(2.0),
        ],
        brands: &[
            NUTWOOD,
            brand("Bee Kind Apiary", Premium),
            brand("Orchard Row", Standard),
            CORNER,
        ],
        price: (2.0, 4.0),
        measure: Measure::Grams(&[250, 450]),
        usage_days: Some(14.0),
        colours: false,
        tags: &["breakfast"],
        blurbs: &[
            "Spread thick on warm toast.",
            "Nothing added that you would not find in your own kitchen.",
            "Stir before use; natural oils may separate.",
        ],
        look: look(28, Icon::Jar),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Sauces & Condiments"],
        share: 35,
        kinds: &[
            k(
                "Dijon Mustard",
                &[Mustard],
                Plant,
                &[st("Classic"), st("Wholegrain"), HONEY, st("Tarragon")],
            )
            .measure(Measure::Grams(&[200, 370])),
            k(
                "Mayonnaise",
                &[Eggs, Mustard],
                AnimalProduct,
                &[st("Classic"), st("Light"), st("Garlic")],
            ),
            k(
                "Vegan Mayo",
                &[Mustard],
                Plant,
                &[st("Classic"), st("Chipotle")],
            ),
            k(
                "Ketchup",
                &[],
                Plant,
                &[
                    st("Classic"),
                    st("Reduced Sugar"),
                    st("Curry").has(&[Mustard, Celery]),
                ],
            ),
            k(
                "Pasta Sauce",
                &[Celery],
                Plant,
                &[
                    st("Tomato & Basil"),
                    st("Arrabbiata"),
                    st("Garlic & Herb"),
                    st("Olive"),
                ],
            )
            .measure(Measure::Grams(&[400, 680])),
            k(
                "Pesto",
                &[Milk, Nuts],
                AnimalProduct,
                &[st("Genovese"), st("Red"), st("Wild Garlic")],
            )
            .measure(Measure::Grams(&[190]))
            .price(1.3),
            k(
                "Soy Sauce",
                &[Soybeans, Gluten],
                Plant,
                &[st("Light"), st("Dark"), st("Reduced Salt")],
            )
            .measure(Measure::Millilitres(&[150, 500])),
            k("Tamari", &[Soybeans], Plant, &[PLAIN, ORGANIC])
                .measure(Measure::Millilitres(&[150])),
            k(
                "Sriracha Hot Sauce",
                &[],
                Plant,
                &[st("Classic"), st("Extra Hot")],
            )
            .tagged(&["spicy"]),
            k("Fish Sauce", &[Fish], Seafood, &[PLAIN]).measure(Measure::Millilitres(&[200])),
            k(
                "BBQ Sauce",
                &[Mustard, Celery],
                Plant,
                &[st("Smoky"), HONEY, st("Hickory")],
            ),
        ],
        brands: &[
            CASA,
            brand("Mustard Mill", Standard),
            brand("Umami House", Standard),
            brand("Ember & Smoke", Premium),
            CORNER,
        ],
        price: (1.5, 3.5),
        measure: Measure::Millilitres(&[250, 500]),
        usage_days: Some(21.0),
        colours: false,
        tags: &["pantry"],
        blurbs: &[
            "Brings a weeknight dinner to life.",
            "Keep refrigerated after opening.",
            "A little goes a long way.",
        ],
        look: look(5, Icon::Bottle),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Breakfast Cereals"],
        share: 28,
        kinds: &[
            k(
                "Granola",
                &[Gluten],
                Plant,
                &[
                    st("Crunchy Honey").of(AnimalProduct),
                    st("Dark Chocolate").has(&[Soybeans]),
                    st("Berry"),
                    st("Nut").has(&[Nuts]),
                    st("Tropical"),
                    st("Maple Pecan").has(&[Nuts]),
                ],
            ),
            k(
                "Muesli",
                &[Gluten, Nuts],
                Plant,
                &[
                    st("Classic"),
                    st("Fruit"),
                    st("No Added Sugar"),
                    st("Swiss-Style"),
                ],
            ),
            k(
                "Porridge Oats",
                &[Gluten],
                Plant,
                &[st("Rolled"), st("Jumbo"), st("Quick"), ORGANIC],
            )
            .price(0.7),
            k("Gluten-Free Oats", &[], Plant, &[st("Rolled"), ORGANIC]).price(1.2),
            k("Corn Flakes", &[], Plant, &[st("Classic"), HONEY]),
            k("Rice Puffs", &[], Plant, &[st("Cocoa"), st("Plain"), HONEY]),
        ],
        brands: &[
            brand("Morning Harvest", Standard),
            OAT_ATLAS,
            brand("Granary Lane", Premium),
            CORNER,
        ],
        price: (2.0, 4.2),
        measure: Measure::Grams(&[375, 750]),
        usage_days: Some(10.0),
        colours: false,
        tags: &["breakfast"],
        blurbs: &[
            "Baked in small batches for extra crunch.",
            "Good with milk, yogurt or straight from the box.",
            "Whole grains to start the day.",
        ],
        look: look(50, Icon::Box),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Canned & Jarred"],
        share: 25,
        kinds: &[
            k("Chickpeas", &[], Plant, &[PLAIN, ORGANIC]),
            k("Kidney Beans", &[], Plant, &[st("Red"), ORGANIC]),
            k(
                "Chopped Tomatoes",
                &[],
                Plant,
                &[st("Italian"), ORGANIC, st("Basil")],
            ),
            k(
                "Tuna in Olive Oil",
                &[Fish],
                Seafood,
                &[st("Skipjack"), st("Yellowfin"), st("Line-Caught")],
            )
            .measure(Measure::Grams(&[160]))
            .price(1.8),
            k(
                "Sardines in Tomato Sauce",
                &[Fish],
                Seafood,
                &[PLAIN, st("Spicy")],
            )
            .measure(Measure::Grams(&[120])),
            k(
                "Coconut Milk",
                &[],
                Plant,
                &[st("Classic"), st("Light"), ORGANIC],
            )
            .measure(Measure::Millilitres(&[400])),
            k("Sweetcorn", &[], Plant, &[PLAIN, ORGANIC]),
            k("Lentil Soup", &[Celery], Plant, &[st("Red"), st("Spiced")]).price(1.4),
            k(
                "Chicken Noodle Soup",
                &[Celery, Gluten, Eggs],
                Meat,
                &[st("Classic")],
            )
            .price(1.5),
        ],
        brands: &[HARBOUR, brand("Sunbelt Foods", Standard), CASA, CORNER],
        price: (0.8, 2.0),
        measure: Measure::Grams(&[400]),
        usage_days: Some(7.0),
        colours: false,
        tags: &["pantry"],
        blurbs: &[
            "Keeps for years in the cupboard.",
            "Ready in the time it takes to open the tin.",
            "A base for soups, stews and salads.",
        ],
        look: look(0, Icon::Can),
    },
    Leaf {
        path: &["Groceries", "Frozen"],
        share: 30,
        kinds: &[
            k(
                "Pizza Margherita",
                &[Gluten, Milk],
                AnimalProduct,
                &[st("Stone-Baked"), st("Thin Crust"), st("Sourdough")],
            )
            .measure(Measure::Grams(&[350])),
            k(
                "Salami Pizza",
                &[Gluten, Milk, Mustard],
                Pork,
                &[st("Stone-Baked"), st("Spicy")],
            )
            .measure(Measure::Grams(&[380])),
            k(
                "Veggie Burgers",
                &[Soybeans, Gluten],
                Plant,
                &[st("Classic"), st("Beetroot"), st("Spicy Bean")],
            )
            .tagged(&["plant-based"]),
            k(
                "Fish Fingers",
                &[Fish, Gluten],
                Seafood,
                &[st("Classic"), st("Wholegrain")],
            ),
            k(
                "Prawns",
                &[Crustaceans],
                Seafood,
                &[st("King"), st("Cooked"), st("Garlic")],
            )
            .price(2.0),
            k(
                "Mussels",
                &[Molluscs],
                Seafood,
                &[st("Cooked"), st("Garlic Butter").has(&[Milk])],
            )
            .price(1.5),
            k("Garden Peas", &[], Plant, &[st("Sweet"), ORGANIC]).price(0.7),
            k(
                "Mixed Berries",
                &[],
                Plant,
                &[st("Summer"), st("Forest"), ORGANIC],
            )
            .price(1.3),
            k(
                "Ice Cream",
                &[Milk, Eggs],
                AnimalProduct,
                &[
                    st("Vanilla"),
                    st("Chocolate").has(&[Soybeans]),
                    st("Salted Caramel"),
                    st("Pistachio").has(&[Nuts]),
                    st("Strawberry"),
                ],
            )
            .measure(Measure::Millilitres(&[500, 900])),
            k(
                "Dairy-Free Ice Cream",
                &[],
                Plant,
                &[st("Vanilla"), st("Chocolate"), st("Mango")],
            )
            .measure(Measure::Millilitres(&[500]))
            .tagged(&["plant-based"]),
        ],
        brands: &[
            brand("Polar Kitchen", Standard),
            brand("Frostfield", Standard),
            HARBOUR,
            CORNER,
        ],
        price: (2.0, 4.5),
        measure: Measure::Grams(&[400, 1000]),
        usage_days: Some(7.0),
        colours: false,
        tags: &["frozen"],
        blurbs: &[
            "Frozen at its best, straight into the freezer.",
            "Cook from frozen; no defrosting needed.",
            "Handy to have in for busy evenings.",
        ],
        look: look(200, Icon::Snowflake),
    },
    Leaf {
        path: &["Groceries", "Meat & Fish"],
        share: 28,
        kinds: &[
            k(
                "Chicken Breast Fillets",
                &[],
                Meat,
                &[st("Free-Range"), ORGANIC, st("Corn-Fed")],
            )
            .tagged(&["protein"]),
            k(
                "Beef Mince",
                &[],
                Meat,
                &[st("Lean"), ORGANIC, st("Grass-Fed")],
            ),
            k(
                "Ribeye Steak",
                &[],
                Meat,
                &[st("Dry-Aged"), st("Grass-Fed")],
            )
            .price(2.5),
            k(
                "Pork Sausages",
                &[Gluten, Sulphites],
                Pork,
                &[st("Classic"), st("Herb"), st("Smoked")],
            ),
            k("Cooked Ham", &[], Pork, &[st("Sliced"), st("Smoked")])
                .measure(Measure::Grams(&[150]))
                .price(0.7),
            k(
                "Salami",
                &[Mustard],
                Pork,
                &[st("Italian"), st("Spicy"), st("Fennel")],
            )
            .measure(Measure::Grams(&[100]))
            .price(0.8),
            k("Turkey Slices", &[], Meat, &[st("Roast"), st("Smoked")])
                .measure(Measure::Grams(&[150]))
                .price(0.7),
            k(
                "Smoked Salmon",
                &[Fish],
                Seafood,
                &[st("Oak-Smoked"), st("Wild"), st("Dill")],
            )
            .measure(Measure::Grams(&[100, 200]))
            .price(1.3),
            k(
                "Cod Fillets",
                &[Fish],
                Seafood,
                &[st("Skinless"), st("Wild"), st("Breaded").has(&[Gluten])],
            )
            .price(1.4),
            k(
                "Cooked Prawns",
                &[Crustaceans],
                Seafood,
                &[PLAIN, st("Jumbo")],
            )
            .measure(Measure::Grams(&[150, 300]))
            .price(1.2),
        ],
        brands: &[
            HOLLOW_OAK,
            brand("Butcher's Row", Standard),
            HARBOUR,
            CORNER,
        ],
        price: (3.0, 6.0),
        measure: Measure::Grams(&[250, 500]),
        usage_days: Some(5.0),
        colours: false,
        tags: &["chilled", "protein"],
        blurbs: &[
            "Sourced from farms and fisheries we know by name.",
            "Vacuum packed to keep it fresh for longer.",
            "Ready to cook in minutes.",
        ],
        look: look(355, Icon::Fish),
    },
    Leaf {
        path: &["Groceries", "Fruit & Vegetables"],
        share: 25,
        kinds: &[
            k("Bananas", &[], Plant, &[PLAIN, ORGANIC, st("Fairtrade")]),
            k(
                "Apples",
                &[],
                Plant,
                &[st("Gala"), st("Braeburn"), st("Granny Smith"), ORGANIC],
            ),
            k("Avocados", &[], Plant, &[st("Ripe"), ORGANIC])
                .measure(Measure::Count(&[2, 4], "pcs"))
                .price(1.3),
            k("Carrots", &[], Plant, &[PLAIN, ORGANIC]).price(0.6),
            k(
                "Cherry Tomatoes",
                &[],
                Plant,
                &[st("Vine"), st("Baby Plum"), ORGANIC],
            )
            .measure(Measure::Grams(&[250, 500])),
            k("Baby Spinach", &[], Plant, &[PLAIN, ORGANIC]).measure(Measure::Grams(&[200])),
            k("Celery Sticks", &[Celery], Plant, &[PLAIN]).measure(Measure::Grams(&[300])),
            k("Lemons", &[], Plant, &[st("Unwaxed"), ORGANIC]).measure(Measure::Count(&[4], "pcs")),
            k("Blueberries", &[], Plant, &[PLAIN, ORGANIC])
                .measure(Measure::Grams(&[125, 250]))
                .price(1.5),
            k("Sweet Potatoes", &[], Plant, &[PLAIN, ORGANIC]),
        ],
        brands: &[brand("Fresh Acres", Standard), SUNNY, WILDROOT, CORNER],
        price: (1.0, 3.0),
        measure: Measure::Grams(&[500, 1000]),
        usage_days: Some(5.0),
        colours: false,
        tags: &["fresh"],
        blurbs: &[
            "Picked ripe and packed close to the farm.",
            "Store somewhere cool and dark.",
            "Part of your five a day.",
        ],
        look: look(100, Icon::Fruit),
    },
    Leaf {
        path: &["Groceries", "Baking"],
        share: 18,
        kinds: &[
            k(
                "Wheat Flour",
                &[Gluten],
                Plant,
                &[
                    st("Plain"),
                    st("Strong White"),
                    st("Wholemeal"),
                    st("Tipo 00"),
                ],
            ),
            k(
                "Spelt Flour",
                &[Gluten],
                Plant,
                &[st("White"), st("Wholegrain"), ORGANIC],
            ),
            k("Almond Flour", &[Nuts], Plant, &[st("Blanched"), ORGANIC])
                .measure(Measure::Grams(&[200, 500]))
                .price(2.5),
            k("Lupin Flour", &[Lupin], Plant, &[st("Sweet"), ORGANIC])
                .measure(Measure::Grams(&[250]))
                .price(2.0),
            k(
                "Gluten-Free Flour Blend",
                &[],
                Plant,
                &[st("Plain"), st("Self-Raising")],
            )
            .price(1.6),
            k("Baking Powder", &[], Plant, &[PLAIN])
                .measure(Measure::Grams(&[100]))
                .price(0.5)
                .usage(3.0),
            k(
                "Cane Sugar",
                &[],
                Plant,
                &[
                    st("Golden"),
                    st("Light Brown"),
                    st("Dark Muscovado"),
                    ORGANIC,
                ],
            ),
            k("Cocoa Powder", &[], Plant, &[st("Dark"), ORGANIC])
                .measure(Measure::Grams(&[250]))
                .price(1.4),
            k(
                "Chocolate Chips",
                &[Soybeans],
                Plant,
                &[
                    st("Dark"),
                    st("Milk").has(&[Milk]).of(AnimalProduct),
                    st("White").has(&[Milk]).of(AnimalProduct),
                ],
            )
            .measure(Measure::Grams(&[200])),
        ],
        brands: &[OLD_MILL, brand("Sugarloaf", Standard), WILDROOT, CORNER],
        price: (1.0, 2.8),
        measure: Measure::Grams(&[500, 1000]),
        usage_days: Some(30.0),
        colours: false,
        tags: &["baking"],
        blurbs: &[
            "For cakes, breads and everything in between.",
            "Finely milled for a light bake.",
            "Store in an airtight container.",
        ],
        look: look(38, Icon::Sack),
    },
    Leaf {
        path: &["Groceries", "Pantry", "Oils & Spices"],
        share: 22,
        kinds: &[
            k(
                "Extra Virgin Olive Oil",
                &[],
                Plant,
                &[
                    st("Greek"),
                    st("Italian"),
                    st("Spanish"),
                    ORGANIC,
                    st("Cold-Pressed"),
                ],
            )
            .measure(Measure::Millilitres(&[500, 1000]))
            .price(2.5),
            k("Sunflower Oil", &[], Plant, &[PLAIN, ORGANIC])
                .measure(Measure::Millilitres(&[1000]))
                .price(1.0),
            k("Toasted Sesame Oil", &[Sesame], Plant, &[PLAIN, ORGANIC])
                .measure(Measure::Millilitres(&[250]))
                .price(1.5),
            k(
                "Balsamic Vinegar",
                &[Sulphites],
                Plant,
                &[st("Aged"), st("White"), ORGANIC],
            )
            .measure(Measure::Millilitres(&[250, 500])),
            k(
                "Sea Salt",
                &[],
                Plant,
                &[st("Fine"), st("Coarse"), st("Flaky"), st("Smoked")],
            )
            .measure(Measure::Grams(&[250, 1000]))
            .usage(3.0),
            k("Black Pepper", &[], Plant, &[st("Whole"), st("Ground")])
                .measure(Measure::Grams(&[50, 100])),
            k(
                "Curry Powder",
                &[Mustard, Celery],
                Plant,
                &[st("Mild"), st("Hot")],
            )
            .measure(Measure::Grams(&[50])),
            k("Smoked Paprika", &[], Plant, &[st("Sweet"), st("Hot")])
                .measure(Measure::Grams(&[50])),
            k("Ground Cinnamon", &[], Plant, &[PLAIN, ORGANIC]).measure(Measure::Grams(&[50])),
        ],
        brands: &[
            brand("Olivara", Premium),
            brand("Spice Route", Standard),
            brand("Saltmarsh", Standard),
            CORNER,
        ],
        price: (1.5, 3.5),
        measure: Measure::Grams(&[100]),
        usage_days: Some(30.0),
        colours: false,
        tags: &["pantry", "cooking"],
        blurbs: &[
            "The finishing touch your cooking has been missing.",
            "Sourced directly from growers.",
            "Store away from heat and light.",
        ],
        look: look(75, Icon::Bottle),
    },
    // ---------------------------------------------------------------------------------- Beverages
    Leaf {
        path: &["Beverages", "Coffee"],
        share: 40,
        kinds: &[
            k("Whole Bean Coffee", &[], Plant, COFFEE_STYLES),
            k("Ground Coffee", &[], Plant, COFFEE_STYLES),
            k(
                "Espresso Beans",
                &[],
                Plant,
                &[st("Classic"), st("Intenso"), st("Crema"), ORGANIC],
            ),
            k(
                "Decaf Ground Coffee",
                &[],
                Plant,
                &[st("Smooth"), ORGANIC, st("Colombia")],
            ),
            k(
                "Coffee Capsules",
                &[],
                Plant,
                &[
                    st("Espresso"),
                    st("Lungo"),
                    st("Ristretto"),
                    st("Decaf"),
                    ORGANIC,
                ],
            )
            .measure(Measure::Count(&[10, 30], "pcs"))
            .price(0.75)
            .usage(0.5),
            k(
                "Instant Coffee",
                &[],
                Plant,
                &[st("Classic"), st("Freeze-Dried"), st("Decaf")],
            )
            .measure(Measure::Grams(&[100, 200]))
            .price(0.9)
            .usage(2.0),
        ],
        brands: &[
            brand("Black Anvil Roasters", Premium),
            brand("Daybreak Coffee", Standard),
            brand("Nordbrew", Standard),
            CORNER,
        ],
        price: (4.0, 7.5),
        measure: Measure::Grams(&[250, 500, 1000]),
        usage_days: Some(10.0),
        colours: false,
        tags: &["hot drinks", "coffee"],
        blurbs: &[
            "Roasted in small batches and packed within a day.",
            "Notes of chocolate, stone fruit and caramel.",
            "Sourced from growers paid well above market price.",
        ],
        look: look(25, Icon::Cup),
    },
    Leaf {
        path: &["Beverages", "Tea"],
        share: 28,
        kinds: &[
            k(
                "Green Tea",
                &[],
                Plant,
                &[
                    st("Sencha"),
                    st("Jasmine"),
                    st("Mint"),
                    st("Lemon"),
                    ORGANIC,
                ],
            ),
            k(
                "Black Tea",
                &[],
                Plant,
                &[
                    st("English Breakfast"),
                    st("Earl Grey"),
                    st("Assam"),
                    st("Darjeeling"),
                    st("Ceylon"),
                ],
            ),
            k(
                "Herbal Tea",
                &[],
                Plant,
                &[
                    st("Chamomile"),
                    st("Peppermint"),
                    st("Rooibos"),
                    st("Lemon & Ginger"),
                    st("Hibiscus"),
                ],
            ),
            k("Chai Tea", &[], Plant, &[st("Spiced"), st("Vanilla")]),
            k(
                "Matcha Powder",
                &[],
                Plant,
                &[st("Ceremonial"), st("Culinary")],
            )
            .measure(Measure::Grams(&[30, 100]))
            .price(3.0)
            .usage(1.5),
        ],
        brands: &[
            brand("Leaf & Lantern", Premium),
            brand("Teapot Lane", Standard),
            brand("Misty Ridge", Standard),
            CORNER,
        ],
        price: (2.0, 4.0),
        measure: Measure::Count(&[20, 40, 80], "bags"),
        usage_days: Some(18.0),
        colours: false,
        tags: &["hot drinks"],
        blurbs: &[
            "Brew for three to five minutes.",
            "Whole leaves in plastic-free bags.",
            "A calm cup for any time of day.",
        ],
        look: look(140, Icon::Cup),
    },
    Leaf {
        path: &["Beverages", "Juices & Soft Drinks"],
        share: 28,
        kinds: &[
            k(
                "Orange Juice",
                &[],
                Plant,
                &[st("Smooth"), st("With Bits"), st("Blood"), ORGANIC],
            ),
            k(
                "Apple Juice",
                &[],
                Plant,
                &[st("Cloudy"), st("Clear"), ORGANIC],
            ),
            k(
                "Sparkling Water",
                &[],
                Plant,
                &[st("Natural"), st("Lemon"), st("Lime"), st("Grapefruit")],
            )
            .measure(Measure::Millilitres(&[1500]))
            .price(0.4)
            .usage(0.7),
            k("Still Mineral Water", &[], Plant, &[PLAIN])
                .measure(Measure::Millilitres(&[1500]))
                .price(0.35)
                .usage(0.7),
            k(
                "Lemonade",
                &[],
                Plant,
                &[st("Cloudy"), st("Pink"), st("Elderflower"), st("Ginger")],
            )
            .measure(Measure::Millilitres(&[750, 1000])),
            k(
                "Cola",
                &[],
                Plant,
                &[st("Classic"), st("Zero Sugar"), st("Cherry")],
            )
            .measure(Measure::Millilitres(&[1500, 330])),
            k("Ginger Beer", &[], Plant, &[st("Fiery"), st("Light")])
                .measure(Measure::Millilitres(&[330]))
                .price(0.5),
            k(
                "Kombucha",
                &[],
                Plant,
                &[
                    st("Original"),
                    st("Ginger"),
                    st("Raspberry"),
                    st("Passion Fruit"),
                ],
            )
            .measure(Measure::Millilitres(&[330]))
            .price(1.2),
        ],
        brands: &[
            SUNNY,
            brand("Fizzwell", Standard),
            brand("Silver Brook", Standard),
            CORNER,
        ],
        price: (1.0, 2.8),
        measure: Measure::Millilitres(&[1000]),
        usage_days: Some(3.0),
        colours: false,
        tags: &["drinks"],
        blurbs: &[
            "Best served cold.",
            "No artificial colours or flavours.",
            "Pressed and bottled at source.",
        ],
        look: look(60, Icon::Bottle),
    },
    Leaf {
        path: &["Beverages", "Wine & Beer"],
        share: 22,
        kinds: &[
            k(
                "Red Wine",
                &[Sulphites],
                Alcohol,
                &[
                    st("Rioja"),
                    st("Merlot"),
                    st("Cabernet Sauvignon"),
                    st("Pinot Noir"),
                    st("Malbec"),
                    st("Primitivo"),
                ],
            ),
            k(
                "White Wine",
                &[Sulphites],
                Alcohol,
                &[
                    st("Sauvignon Blanc"),
                    st("Chardonnay"),
                    st("Riesling"),
                    st("Pinot Grigio"),
                    st("Grüner Veltliner"),
                ],
            ),
            k(
                "Rosé Wine",
                &[Sulphites],
                Alcohol,
                &[st("Dry"), st("Grenache")],
            ),
            k(
                "Sparkling Wine",
                &[Sulphites],
                Alcohol,
                &[st("Brut"), st("Extra Dry"), st("Rosé")],
            )
            .price(1.3),
            k(
                "Lager",
                &[Gluten],
                Alcohol,
                &[st("Pilsner"), st("Helles"), st("Premium")],
            )
            .measure(Measure::Millilitres(&[330, 500]))
            .price(0.25)
            .usage(0.3),
            k(
                "IPA",
                &[Gluten],
                Alcohol,
                &[st("Session"), st("Hazy"), st("West Coast"), st("Double")],
            )
            .measure(Measure::Millilitres(&[330, 440]))
            .price(0.35)
            .usage(0.3),
            k(
                "Alcohol-Free Beer",
                &[Gluten],
                Plant,
                &[st("Lager"), st("Wheat"), st("IPA")],
            )
            .measure(Measure::Millilitres(&[330]))
            .price(0.2)
            .usage(0.3),
        ],
        brands: &[
            brand("Château Verlaine", Premium),
            brand("Bodega Solana", Standard),
            brand("Three Hounds Brewing", Standard),
            brand("Harbour Light Brewery", Standard),
        ],
        price: (5.0, 12.0),
        measure: Measure::Millilitres(&[750]),
        usage_days: Some(7.0),
        colours: false,
        tags: &["alcohol", "18+"],
        blurbs: &[
            "Pairs well with good food and better company.",
            "From a family producer in its third generation.",
            "Serve chilled.",
        ],
        look: look(340, Icon::Glass),
    },
    // ---------------------------------------------------------------------------------- Health & Beauty
    Leaf {
        path: &["Health & Beauty", "Skin care"],
        share: 35,
        kinds: &[
            k(
                "Face Cream",
                &[],
                Plant,
                &[
                    st("Hydrating"),
                    st("Sensitive"),
                    st("Night"),
                    st("Vitamin C"),
                    st("SPF 15"),
                ],
            ),
            k("Hand Cream", &[], Plant, SKIN_STYLES)
                .measure(Measure::Millilitres(&[75]))
                .price(0.5),
            k("Body Lotion", &[], Plant, SKIN_STYLES)
                .measure(Measure::Millilitres(&[250, 400]))
                .price(0.9),
            k(
                "Face Serum",
                &[],
                Plant,
                &[
                    st("Hyaluronic"),
                    st("Vitamin C"),
                    st("Retinol"),
                    st("Niacinamide"),
                ],
            )
            .measure(Measure::Millilitres(&[30]))
            .price(1.6),
            k(
                "Cleansing Gel",
                &[],
                Plant,
                &[st("Gentle"), st("Clarifying"), st("Sensitive")],
            )
            .measure(Measure::Millilitres(&[150])),
            k(
                "Sunscreen SPF 50",
                &[],
                Plant,
                &[st("Sport"), st("Sensitive"), st("Kids"), st("Tinted")],
            )
            .measure(Measure::Millilitres(&[100, 200]))
            .usage(0.6),
            k(
                "Lip Balm",
                &[],
                Plant,
                &[st("Vanilla"), st("Mint"), st("Unscented")],
            )
            .measure(Measure::Grams(&[5]))
            .price(0.3),
        ],
        brands: &[
            brand("Lumière Botanics", Premium),
            brand("Dermacalm", Standard),
            PURE_PETAL,
            brand("Oak & Aloe", Standard),
        ],
        price: (6.0, 14.0),
        measure: Measure::Millilitres(&[50, 100]),
        usage_days: Some(45.0),
        colours: false,
        tags: &["beauty"],
        blurbs: &[
            "Dermatologically tested and kind to sensitive skin.",
            "Absorbs quickly without a greasy feel.",
            "Cruelty-free and in a recyclable bottle.",
        ],
        look: look(320, Icon::Tube),
    },
    Leaf {
        path: &["Health & Beauty", "Hair care"],
        share: 22,
        kinds: &[
            k("Shampoo", &[], Plant, HAIR_STYLES),
            k("Conditioner", &[], Plant, HAIR_STYLES),
            k(
                "Hair Mask",
                &[],
                Plant,
                &[st("Repair"), st("Argan"), st("Coconut")],
            )
            .measure(Measure::Millilitres(&[200]))
            .price(1.4),
            k("Dry Shampoo", &[], Plant, &[st("Fresh"), st("Tinted")])
                .measure(Measure::Millilitres(&[200])),
            k(
                "Solid Shampoo Bar",
                &[],
                Plant,
                &[st("Citrus"), st("Lavender"), st("Unscented")],
            )
            .measure(Measure::Grams(&[60]))
            .tagged(&["plastic-free"]),
        ],
        brands: &[
            brand("Silkroot", Standard),
            brand("Maison Verve", Premium),
            PURE_PETAL,
            CORNER,
        ],
        price: (3.0, 8.0),
        measure: Measure::Millilitres(&[250, 500]),
        usage_days: Some(40.0),
        colours: false,
        tags: &["beauty"],
        blurbs: &[
            "Leaves hair soft and easy to comb.",
            "Free from silicones and sulphates.",
            "A fresh, light scent that lasts.",
        ],
        look: look(280, Icon::Bottle),
    },
    Leaf {
        path: &["Health & Beauty", "Oral care"],
        share: 18,
        kinds: &[
            k(
                "Toothpaste",
                &[],
                Plant,
                &[
                    st("Whitening"),
                    st("Sensitive"),
                    st("Herbal"),
                    st("Kids"),
                    st("Fluoride-Free"),
                ],
            ),
            k(
                "Mouthwash",
                &[],
                Plant,
                &[st("Mint"), st("Alcohol-Free"), st("Sensitive")],
            )
            .measure(Measure::Millilitres(&[500]))
            .price(1.4),
            k(
                "Toothbrush",
                &[],
                Plant,
                &[st("Soft"), st("Medium"), st("Bamboo"), st("Kids")],
            )
            .measure(Measure::Count(&[1, 2], "pcs"))
            .usage(3.0),
            k("Dental Floss", &[], Plant, &[st("Mint"), st("Waxed")])
                .measure(Measure::Count(&[1, 3], "pcs"))
                .usage(1.5),
        ],
        brands: &[
            brand("Fresh Arc", Standard),
            brand("Denta Nova", Premium),
            CORNER,
        ],
        price: (1.5, 4.0),
        measure: Measure::Millilitres(&[75]),
        usage_days: Some(30.0),
        colours: false,
        tags: &["hygiene"],
        blurbs: &[
            "Recommended by dentists for daily use.",
            "For a clean, fresh feeling all day.",
            "Gentle on enamel and gums.",
        ],
        look: look(185, Icon::Tube),
    },
    // ---------------------------------------------------------------------------------- Home
    Leaf {
        path: &["Home", "Kitchen"],
        share: 35,
        kinds: &[
            k(
                "Chef's Knife",
                &[],
                Plant,
                &[st("Stainless Steel"), st("Japanese-Style")],
            )
            .price(1.4),
            k(
                "Frying Pan",
                &[],
                Plant,
                &[
                    st("Non-Stick"),
                    st("Cast Iron"),
                    st("Stainless Steel"),
                    st("Ceramic"),
                ],
            )
            .price(1.3),
            k(
                "Saucepan Set",
                &[],
                Plant,
                &[st("Stainless Steel"), st("Non-Stick")],
            )
            .price(2.5),
            k(
                "Cutting Board",
                &[],
                Plant,
                &[st("Bamboo"), st("Oak"), st("Olive Wood")],
            )
            .price(0.7),
            k(
                "French Press",
                &[],
                Plant,
                &[st("Glass"), st("Stainless Steel")],
            )
            .price(0.8),
            k(
                "Electric Kettle",
                &[],
                Plant,
                &[st("Glass"), st("Stainless Steel"), st("Retro")],
            )
            .price(1.2),
            k(
                "Storage Jars Set",
                &[],
                Plant,
                &[st("Glass"), st("Airtight")],
            )
            .price(0.6),
            k(
                "Coffee Grinder",
                &[],
                Plant,
                &[st("Electric"), st("Manual Burr")],
            )
            .price(1.5),
        ],
        brands: &[
            brand("Forge & Ember", Premium),
            brand("Hestia Home", Standard),
            brand("Kitchen Theory", Standard),
            CORNER,
        ],
        price: (12.0, 40.0),
        measure: Measure::Unit,
        usage_days: None,
        colours: false,
        tags: &["kitchen"],
        blurbs: &[
            "Built to last for years of daily cooking.",
            "Dishwasher safe.",
            "Comes with a two-year guarantee.",
        ],
        look: look(215, Icon::Pan),
    },
    Leaf {
        path: &["Home", "Cleaning"],
        share: 28,
        kinds: &[
            k("Laundry Detergent", &[], Plant, CLEAN_STYLES)
                .measure(Measure::Millilitres(&[1500, 3000]))
                .price(1.5),
            k(
                "Dishwasher Tablets",
                &[],
                Plant,
                &[st("All-in-One"), st("Eco").tagged(&["eco"]), st("Lemon")],
            )
            .measure(Measure::Count(&[30, 60], "pcs"))
            .price(1.5),
            k("Washing-Up Liquid", &[], Plant, CLEAN_STYLES)
                .measure(Measure::Millilitres(&[500, 1000]))
                .price(0.6),
            k("All-Purpose Cleaner", &[], Plant, CLEAN_STYLES)
                .measure(Measure::Millilitres(&[750])),
            k("Sponges", &[], Plant, &[st("Scrub"), st("Cellulose")])
                .measure(Measure::Count(&[3, 6], "pcs"))
                .price(0.4),
            k(
                "Fabric Softener",
                &[],
                Plant,
                &[st("Lavender"), st("Fresh Cotton"), st("Sensitive")],
            )
            .measure(Measure::Millilitres(&[1000])),
        ],
        brands: &[
            brand("Clearwave", Standard),
            brand("Greenhome", Premium),
            CORNER,
        ],
        price: (2.0, 5.0),
        measure: Measure::Millilitres(&[1000]),
        usage_days: Some(30.0),
        colours: false,
        tags: &["household"],
        blurbs: &[
            "Tough on grease, gentle on hands.",
            "Biodegradable formula.",
            "A little goes a long way.",
        ],
        look: look(175, Icon::Spray),
    },
    Leaf {
        path: &["Home", "Decor"],
        share: 18,
        kinds: &[
            k(
                "Cushion Cover",
                &[],
                Plant,
                &[st("Linen"), st("Velvet"), st("Knitted")],
            ),
            k(
                "Throw Blanket",
                &[],
                Plant,
                &[st("Wool"), st("Cotton"), st("Fleece")],
            )
            .price(1.8),
            k(
                "Scented Candle",
                &[],
                Plant,
                &[st("Fig"), st("Cedarwood"), st("Vanilla"), st("Sea Salt")],
            )
            .price(0.8),
            k("Ceramic Vase", &[], Plant, &[st("Matte"), st("Glazed")]),
            k("Table Runner", &[], Plant, &[st("Linen"), st("Cotton")]).price(0.7),
        ],
        brands: &[
            brand("Hygge Haus", Standard),
            brand("Linen & Loom", Premium),
            CORNER,
        ],
        price: (10.0, 28.0),
        measure: Measure::Unit,
        usage_days: None,
        colours: true,
        tags: &["home", "gift"],
        blurbs: &[
            "Adds warmth to any room.",
            "Designed in Copenhagen, made in Portugal.",
            "Pairs well with natural wood and linen.",
        ],
        look: look(260, Icon::Candle),
    },
    // ---------------------------------------------------------------------------------- Apparel
    Leaf {
        path: &["Apparel", "T-shirts"],
        share: 45,
        kinds: &[
            k("Crew Neck T-shirt", &[], Plant, TEE_STYLES),
            k(
                "V-Neck T-shirt",
                &[],
                Plant,
                &[st("Essential"), st("Organic Cotton").tagged(&["organic"])],
            ),
            k(
                "Long Sleeve T-shirt",
                &[],
                Plant,
                &[st("Essential"), st("Waffle")],
            )
            .price(1.3),
            k(
                "Pocket T-shirt",
                &[],
                Plant,
                &[st("Heavyweight"), st("Washed")],
            ),
            k(
                "Polo Shirt",
                &[],
                Plant,
                &[st("Piqué"), st("Organic Cotton").tagged(&["organic"])],
            )
            .price(1.5),
        ],
        brands: &[
            NORDVIK,
            LOOMCRAFT,
            brand("Basecamp Apparel", Standard),
            STREETLOOM,
        ],
        price: (12.0, 26.0),
        measure: Measure::Sizes(CLOTHING_SIZES),
        usage_days: None,
        colours: true,
        tags: &["clothing", "cotton"],
        blurbs: &[
            "Soft, breathable cotton that holds its shape wash after wash.",
            "A relaxed fit that works on its own or layered.",
            "Made in a certified fair-wage factory.",
        ],
        look: look(220, Icon::Shirt),
    },
    Leaf {
        path: &["Apparel", "Hoodies & Sweatshirts"],
        share: 22,
        kinds: &[
            k("Hoodie", &[], Plant, HOODIE_STYLES),
            k(
                "Zip Hoodie",
                &[],
                Plant,
                &[st("Classic"), st("Organic Cotton").tagged(&["organic"])],
            )
            .price(1.1),
            k(
                "Crewneck Sweatshirt",
                &[],
                Plant,
                &[
                    st("Classic"),
                    st("Fleece"),
                    st("Organic Cotton").tagged(&["organic"]),
                ],
            ),
        ],
        brands: &[NORDVIK, LOOMCRAFT, STREETLOOM],
        price: (35.0, 60.0),
        measure: Measure::Sizes(CLOTHING_SIZES),
        usage_days: None,
        colours: true,
        tags: &["clothing"],
        blurbs: &[
            "Brushed inside for extra warmth.",
            "Ribbed cuffs and a roomy front pocket.",
            "Heavy cotton that gets softer with every wash.",
        ],
        look: look(235, Icon::Shirt),
    },
    Leaf {
        path: &["Apparel", "Shoes"],
        share: 40,
        kinds: &[
            k(
                "Running Shoes",
                &[],
                Plant,
                &[
                    st("Lightweight"),
                    st("Trail"),
                    st("Cushioned"),
                    st("Stability"),
                ],
            )
            .price(1.2),
            k(
                "Leather Sneakers",
                &[],
                Plant,
                &[st("Classic"), st("Minimal"), st("Retro")],
            )
            .price(1.1),
            k(
                "Canvas Sneakers",
                &[],
                Plant,
                &[st("Low-Top"), st("High-Top"), st("Slip-On")],
            )
            .price(0.6),
            k(
                "Hiking Boots",
                &[],
                Plant,
                &[st("Waterproof"), st("Lightweight")],
            )
            .price(1.4),
            k("Chelsea Boots", &[], Plant, &[st("Suede"), st("Leather")]).price(1.3),
        ],
        brands: &[
            brand("Stride Lab", Standard),
            brand("Trailhound", Premium),
            brand("Cobble & Co.", Standard),
        ],
        price: (50.0, 110.0),
        measure: Measure::Sizes(SHOE_SIZES),
        usage_days: None,
        colours: true,
        tags: &["footwear"],
        blurbs: &[
            "A cushioned sole for all-day comfort.",
            "Runs true to size.",
            "Resoleable, so they can last for years.",
        ],
        look: look(15, Icon::Shoe),
    },
    Leaf {
        path: &["Apparel", "Socks"],
        share: 14,
        kinds: &[
            k(
                "Ankle Socks 3-Pack",
                &[],
                Plant,
                &[st("Cotton"), st("Sport"), st("Bamboo")],
            ),
            k(
                "Crew Socks 3-Pack",
                &[],
                Plant,
                &[st("Cotton"), st("Merino")],
            ),
            k("Hiking Socks", &[], Plant, &[st("Merino"), st("Thermal")]).price(1.4),
        ],
        brands: &[NORDVIK, LOOMCRAFT, STREETLOOM],
        price: (6.0, 12.0),
        measure: Measure::Sizes(SOCK_SIZES),
        usage_days: None,
        colours: true,
        tags: &["clothing"],
        blurbs: &[
            "Reinforced heel and toe.",
            "Seamless toes so nothing rubs.",
            "Soft, breathable and built to last.",
        ],
        look: look(300, Icon::Sock),
    },
    // ---------------------------------------------------------------------------------- Pet
    Leaf {
        path: &["Pet", "Dog food"],
        share: 24,
        kinds: &[
            k(
                "Dry Dog Food",
                &[],
                Plant,
                &[
                    st("Chicken & Rice"),
                    st("Lamb & Rice"),
                    st("Salmon & Potato"),
                    st("Grain-Free Turkey"),
                    st("Senior"),
                    st("Puppy"),
                ],
            ),
            k(
                "Wet Dog Food",
                &[],
                Plant,
                &[st("Beef"), st("Chicken"), st("Lamb")],
            )
            .measure(Measure::Multi(&[6, 12], 400))
            .price(0.8)
            .usage(0.45),
            k(
                "Dog Treats",
                &[],
                Plant,
                &[st("Chicken Jerky"), st("Peanut Butter"), st("Training")],
            )
            .measure(Measure::Grams(&[150, 500]))
            .price(0.35)
            .usage(0.7),
            k(
                "Dental Chews",
                &[],
                Plant,
                &[st("Small Dog"), st("Large Dog")],
            )
            .measure(Measure::Count(&[7, 28], "pcs"))
            .price(0.5)
            .usage(0.5),
        ],
        brands: &[WOLFDEN, brand("Barkley Farms", Standard), WHISKER, CORNER],
        price: (8.0, 16.0),
        measure: Measure::Grams(&[2000, 5000, 12000]),
        usage_days: Some(14.0),
        colours: false,
        tags: &["pets", "dog"],
        blurbs: &[
            "Complete and balanced nutrition for adult dogs.",
            "Made with real meat as the first ingredient.",
            "No artificial colours or preservatives.",
        ],
        look: look(85, Icon::Paw),
    },
    Leaf {
        path: &["Pet", "Cat food"],
        share: 20,
        kinds: &[
            k(
                "Dry Cat Food",
                &[],
                Plant,
                &[
                    st("Salmon"),
                    st("Chicken"),
                    st("Indoor"),
                    st("Sterilised"),
                    st("Kitten"),
                ],
            )
            .measure(Measure::Grams(&[1500, 4000])),
            k(
                "Wet Cat Food",
                &[],
                Plant,
                &[
                    st("Fish Selection"),
                    st("Meat Selection"),
                    st("Chicken in Gravy"),
                ],
            )
            .measure(Measure::Multi(&[12, 24], 85))
            .price(0.6)
            .usage(0.4),
            k(
                "Cat Treats",
                &[],
                Plant,
                &[st("Salmon"), st("Chicken"), st("Dental")],
            )
            .measure(Measure::Grams(&[60, 200]))
            .price(0.25)
            .usage(0.6),
        ],
        brands: &[WHISKER, WOLFDEN, brand("Purrfield", Standard), CORNER],
        price: (8.0, 15.0),
        measure: Measure::Grams(&[1500]),
        usage_days: Some(20.0),
        colours: false,
        tags: &["pets", "cat"],
        blurbs: &[
            "Complete nutrition your cat will come running for.",
            "High in protein, with taurine for healthy eyes and heart.",
            "Vet-approved recipe.",
        ],
        look: look(150, Icon::Paw),
    },
    Leaf {
        path: &["Pet", "Toys & Accessories"],
        share: 12,
        kinds: &[
            k("Rope Toy", &[], Plant, &[st("Braided"), st("Knotted")]),
            k("Squeaky Ball", &[], Plant, &[st("Rubber"), st("Tennis")]).price(0.4),
            k(
                "Dog Leash",
                &[],
                Plant,
                &[st("Nylon"), st("Leather"), st("Reflective")],
            )
            .price(1.2),
            k(
                "Dog Collar",
                &[],
                Plant,
                &[st("Nylon"), st("Leather"), st("Reflective")],
            ),
            k("Cat Scratcher", &[], Plant, &[st("Sisal"), st("Cardboard")]).price(1.5),
            k(
                "Pet Bed",
                &[],
                Plant,
                &[st("Plush"), st("Orthopedic"), st("Waterproof")],
            )
            .price(2.5),
            k(
                "Feeding Bowl",
                &[],
                Plant,
                &[st("Ceramic"), st("Stainless Steel")],
            )
            .price(0.6),
        ],
        brands: &[WOLFDEN, WHISKER, CORNER],
        price: (6.0, 22.0),
        measure: Measure::Unit,
        usage_days: None,
        colours: true,
        tags: &["pets"],
        blurbs: &[
            "Tough enough for enthusiastic chewers.",
            "Machine washable.",
            "Tested by our own office dogs and cats.",
        ],
        look: look(125, Icon::Paw),
    },
    // ---------------------------------------------------------------------------------- Electronics
    Leaf {
        path: &["Electronics", "Accessories"],
        share: 14,
        kinds: &[
            k(
                "USB-C Cable",
                &[],
                Plant,
                &[st("Braided"), st("Fast-Charge")],
            )
            .price(0.5),
            k(
                "Phone Case",
                &[],
                Plant,
                &[st("Clear"), st("Silicone"), st("Leather")],
            )
            .price(0.8),
            k(
                "Wireless Earbuds",
                &[],
                Plant,
                &[st("Sport"), st("Noise-Cancelling")],
            )
            .price(2.5),
            k("Power Bank", &[], Plant, &[st("Slim"), st("Fast-Charge")]).price(1.2),
            k(
                "Wall Charger",
                &[],
                Plant,
                &[st("Dual-Port"), st("Compact")],
            )
            .price(0.8),
            k(
                "Bluetooth Speaker",
                &[],
                Plant,
                &[st("Portable"), st("Waterproof")],
            )
            .price(2.0),
        ],
        brands: &[
            brand("Voltis", Standard),
            brand("Ampere Lab", Premium),
            CORNER,
        ],
        price: (10.0, 30.0),
        measure: Measure::Unit,
        usage_days: None,
        colours: false,
        tags: &["tech"],
        blurbs: &[
            "Works with all recent phones and laptops.",
            "Comes with a two-year warranty.",
            "Compact enough for any bag.",
        ],
        look: look(230, Icon::Gadget),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diet::Diet;

    #[test]
    fn every_leaf_can_fill_itself() {
        for leaf in LEAVES {
            assert!(
                !leaf.kinds.is_empty() && !leaf.brands.is_empty() && !leaf.blurbs.is_empty(),
                "{:?}",
                leaf.path
            );
            assert!(
                leaf.price.0 > 0.0 && leaf.price.0 < leaf.price.1,
                "{:?}",
                leaf.path
            );
            for kind in leaf.kinds {
                assert!(!kind.styles.is_empty(), "{}", kind.noun);
            }
            assert_eq!(
                find_leaf(&leaf.path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .map(|l| l.path),
                Some(leaf.path)
            );
        }
    }

    #[test]
    fn titles_that_promise_a_diet_keep_it() {
        // A kind named "Vegan ..." or "Gluten-Free ..." must not bring (or allow a style to bring) what it rules out.
        for leaf in LEAVES {
            for kind in leaf.kinds {
                for (word, diet) in [("Vegan", Diet::Vegan), ("Gluten-Free", Diet::GlutenFree)] {
                    if kind.noun.contains(word) {
                        for style in kind.styles {
                            let all = kind.allergens.iter().chain(style.allergens);
                            assert!(
                                all.clone().all(|a| !diet.forbidden_allergens().contains(a)),
                                "{} {}",
                                style.word,
                                kind.noun
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_eu_14_all_appear_somewhere() {
        for a in Allergen::ALL {
            let found = LEAVES.iter().flat_map(|l| l.kinds).any(|k| {
                k.allergens.contains(&a) || k.styles.iter().any(|s| s.allergens.contains(&a))
            });
            assert!(found, "{a:?}");
        }
    }
}
