//! `ember-notebook [NOTEBOOK.ember.json]`: opens a notebook, or the bundled demo without one.
//! `--help` and `--version` print and exit without opening a window, as does
//! `--export-ipynb OUT` (the notebook, or the demo, as a Jupyter notebook for Ember's Python
//! package).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "ember-notebook",
    version,
    about = "Ember's desktop notebook: SQL, DataFrame, graph and markdown cells over the Ember engine",
    after_help = "Without a file it opens the bundled demo (press \"Run all\"). Notebooks are JSON \
                  (.ember.json), saved atomically and autosaved beside the file."
)]
struct Args {
    /// The notebook to open (.ember.json); one that cannot be read opens an empty notebook and says why.
    notebook: Option<PathBuf>,
    /// Write the notebook (or the demo) as a Jupyter notebook (.ipynb) that runs with Ember's
    /// Python package, and exit without opening a window.
    #[arg(long, value_name = "OUT.ipynb")]
    export_ipynb: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(out) = &args.export_ipynb {
        let nb = match &args.notebook {
            Some(p) => ember_notebook::persist::load(p),
            None => ember_notebook::demo::data_dir().map(|d| ember_notebook::demo::notebook(&d)),
        };
        let written =
            nb.and_then(|nb| ember_notebook::persist::write_atomic(out, &ember_notebook::persist::to_ipynb(&nb)));
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1280.0, 860.0]).with_title("Ember notebook"),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Ember notebook",
        options,
        Box::new(move |_cc| {
            let app = match args.notebook {
                Some(p) => ember_notebook::app::NotebookApp::open(p),
                None => ember_notebook::app::NotebookApp::demo(),
            };
            app.map(|a| Box::new(a) as Box<dyn eframe::App>).map_err(|e| e.to_string().into())
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
