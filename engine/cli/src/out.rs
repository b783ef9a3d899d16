//! Standard output that ends the process quietly when the reader goes away (`ember sql ... |
//! head -1`): a closed pipe is the reader's choice, not an error, so the process exits with
//! status 0 and says nothing. Every print of the CLI goes through [`Stdout`] (`outln!`).

use std::io::{self, Write};

/// Standard output; on a broken pipe the process exits quietly (status 0).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

fn quit_on_broken_pipe<T>(r: io::Result<T>) -> io::Result<T> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        quit_on_broken_pipe(io::stdout().lock().write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        quit_on_broken_pipe(io::stdout().lock().write_all(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        quit_on_broken_pipe(io::stdout().lock().flush())
    }
}

/// Writes formatted text to [`Stdout`]; another write error ends the process with status 1.
pub fn emit(args: std::fmt::Arguments<'_>) {
    if let Err(e) = Stdout.write_fmt(args) {
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`Stdout`].
macro_rules! outln {
    () => {
        $crate::out::emit(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::emit(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`Stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::emit(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln};
