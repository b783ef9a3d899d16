//! Native file dialogs (the desktop's chooser through the XDG portal, or zenity), asked on a
//! thread of their own so the frame never waits for them: [`ask`] returns a receiver the app
//! polls each frame. Where the desktop offers no dialog (no portal, no zenity: a bare X server,
//! CI) the answer is `None`, as for a cancelled dialog, and the path fields stay the way in.
//!
//! The function that shows the dialog is a plain `fn` the app holds, so tests substitute one.
//! No egui here.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

/// What a dialog is for: it decides the title, the filters and the action taken with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// A notebook to open (`.ember.json` or `.ipynb`).
    OpenNotebook,
    /// Where to save the notebook.
    SaveNotebook,
    /// Where to write the `.ipynb` export.
    ExportIpynb,
    /// A data file to register as a table (CSV, Parquet, JSON; compressed too).
    DataFile,
}

/// Shows the dialog and waits for the answer (called on the dialog's thread).
pub type Show = fn(Ask, Option<PathBuf>) -> Option<PathBuf>;

/// The desktop's own dialog.
pub fn native(ask: Ask, start: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = rfd::FileDialog::new();
    if let Some(dir) = start.filter(|d| d.is_dir()) {
        d = d.set_directory(dir);
    }
    match ask {
        Ask::OpenNotebook => d.set_title("Open a notebook").add_filter("Notebooks", &["json", "ipynb"]).pick_file(),
        Ask::SaveNotebook => d
            .set_title("Save the notebook")
            .add_filter("Ember notebook", &["json"])
            .set_file_name("notebook.ember.json")
            .save_file(),
        Ask::ExportIpynb => d
            .set_title("Export as a Jupyter notebook")
            .add_filter("Jupyter notebook", &["ipynb"])
            .set_file_name("notebook.ipynb")
            .save_file(),
        Ask::DataFile => d
            .set_title("Open a data file")
            .add_filter("Tables", &["csv", "tsv", "parquet", "json", "ndjson", "gz", "bz2", "xz", "zst"])
            .pick_file(),
    }
}

/// Asks on a new thread; the receiver gets the answer (an absolute path, or `None`).
pub fn ask(show: Show, what: Ask, start: Option<PathBuf>) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let answer = show(what, start).map(|p| std::path::absolute(&p).unwrap_or(p));
        // The app may have gone; then nobody needs the answer.
        let _ = tx.send(answer);
    });
    rx
}
