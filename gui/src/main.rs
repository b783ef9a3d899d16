//! `ember-notebook [NOTEBOOK.ember.json]`: opens a notebook, or the bundled demo without one.

fn main() -> eframe::Result {
    let path = std::env::args_os().nth(1).map(std::path::PathBuf::from);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1280.0, 860.0]).with_title("Ember notebook"),
        ..Default::default()
    };
    eframe::run_native(
        "Ember notebook",
        options,
        Box::new(move |_cc| {
            let app = match path {
                Some(p) => ember_notebook::app::NotebookApp::open(p),
                None => ember_notebook::app::NotebookApp::demo(),
            };
            app.map(|a| Box::new(a) as Box<dyn eframe::App>).map_err(|e| e.to_string().into())
        }),
    )
}
