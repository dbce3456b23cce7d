fn main() -> std::process::ExitCode {
    ormlint::cli::main()
}
