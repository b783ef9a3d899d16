//! The notebook file readers under fuzzing: `.ember.json` (`persist::parse`) and Jupyter
//! `.ipynb` (`persist::from_ipynb`) must return a notebook or an error for any text, without
//! panicking; a notebook that reads back is written and read again unchanged, and exports.
//!
//! Kept apart from `lib.rs` (which the engine's tests include) because it needs the notebook
//! crate: the `notebook` fuzz target and the notebook's tests include this file.

use ember_notebook::persist;

pub fn notebook(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(nb) = persist::parse(text) {
        let again = persist::parse(&persist::to_json(&nb));
        assert_eq!(again.as_ref(), Ok(&nb), "a notebook reads back as it was written");
        let _ = persist::to_ipynb(&nb);
    }
    if let Ok(nb) = persist::from_ipynb(text) {
        let _ = persist::to_ipynb(&nb);
    }
}
