// What kind of database a DATABASE_URL names, without loading a database driver (the CLI asks this
// before it knows whether it needs one).

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
