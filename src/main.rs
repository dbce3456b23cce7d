// The replay hot path allocates per statement on two threads; mimalloc's
// thread-local heaps keep that cheap (glibc's arenas cost ~20% there).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ormlint::cli::main()
}
