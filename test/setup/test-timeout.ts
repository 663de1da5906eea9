// `testTimeout` is a global Jest option, ignored inside `projects`: end-to-end suites set theirs here.
jest.setTimeout(60_000);
