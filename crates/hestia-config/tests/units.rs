//! Durations and sizes as Prometheus reads and prints them.

use hestia_config::{ByteSize, Duration};

#[test]
fn durations_parse_like_prometheus() {
    const S: u64 = 1000;
    // (input, milliseconds or the exact error)
    let cases: &[(&str, Result<u64, &str>)] = &[
        ("0", Ok(0)),
        ("0s", Ok(0)),
        ("1ms", Ok(1)),
        ("15s", Ok(15 * S)),
        ("1m30s", Ok(90 * S)),
        ("90m", Ok(5400 * S)),
        ("1h30m", Ok(5400 * S)),
        ("1d", Ok(86_400 * S)),
        ("1w", Ok(7 * 86_400 * S)),
        ("1y", Ok(365 * 86_400 * S)),
        (
            "1y2w3d4h5m6s7ms",
            Ok((365 + 14 + 3) * 86_400 * S + 4 * 3600 * S + 5 * 60 * S + 6 * S + 7),
        ),
        ("292y", Ok(292 * 365 * 86_400 * S)),
        ("", Err("empty duration string")),
        ("5", Err("not a valid duration string: \"5\"")),
        ("-1s", Err("not a valid duration string: \"-1s\"")),
        ("1.5h", Err("unknown unit \".\" in duration \"1.5h\"")),
        ("5x", Err("unknown unit \"x\" in duration \"5x\"")),
        ("1mss", Err("unknown unit \"mss\" in duration \"1mss\"")),
        ("30s1m", Err("not a valid duration string: \"30s1m\"")),
        ("1m1m", Err("not a valid duration string: \"1m1m\"")),
        (" 1m", Err("not a valid duration string: \" 1m\"")),
        ("1m ", Err("unknown unit \"m \" in duration \"1m \"")),
        ("300y", Err("duration out of range")),
        (
            "99999999999999999999s",
            Err("not a valid duration string: \"99999999999999999999s\""),
        ),
    ];
    for (input, want) in cases {
        let got = Duration::parse(input)
            .map(Duration::as_millis)
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "{input:?}");
    }
}

#[test]
fn durations_print_canonically() {
    let cases = [
        (0, "0s"),
        (1, "1ms"),
        (90_000, "1m30s"),
        (86_400_000, "1d"),
        (694_861_001, "8d1h1m1s1ms"),
        (31_536_000_000, "1y"),
        (14 * 86_400_000, "2w"),
        // Weeks and years only when exact, as Prometheus prints them.
        (15 * 86_400_000, "15d"),
        (90 * 86_400_000, "90d"),
        (366 * 86_400_000, "366d"),
    ];
    for (ms, want) in cases {
        let d = Duration::from_millis(ms);
        assert_eq!(d.to_string(), want);
        assert_eq!(Duration::parse(want).unwrap(), d);
    }
}

#[test]
fn sizes_parse_like_prometheus() {
    const K: i64 = 1024;
    // (input, bytes or the exact error)
    let cases: &[(&str, Result<i64, &str>)] = &[
        ("0", Ok(0)),
        ("0B", Ok(0)),
        ("100B", Ok(100)),
        ("1KB", Ok(K)),
        ("1KiB", Ok(K)),
        ("10MB", Ok(10 * K * K)),
        ("10MiB", Ok(10 * K * K)),
        ("1GB", Ok(K * K * K)),
        ("2TiB", Ok(2 * K * K * K * K)),
        ("1.5KB", Ok(1536)),
        (".5KiB", Ok(512)),
        ("1GB512MB", Ok(K * K * K + 512 * K * K)),
        ("-1KB", Ok(-K)),
        ("10", Err("units: unknown unit  in 10")),
        ("10kB", Err("units: unknown unit kB in 10kB")),
        ("10mb", Err("units: unknown unit mb in 10mb")),
        ("1MiB1MB", Err("units: unknown unit MiB in 1MiB1MB")),
        ("", Err("units: invalid ")),
        ("MB", Err("units: invalid MB")),
        (".KB", Err("units: invalid .KB")),
        ("10EB", Err("units: overflow parsing unit")),
    ];
    for (input, want) in cases {
        let got = ByteSize::parse(input)
            .map(ByteSize::bytes)
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "{input:?}");
    }
}

#[test]
fn sizes_print_with_binary_prefixes() {
    let cases = [
        (0, "0B"),
        (100, "100B"),
        (1024, "1KiB"),
        (10 << 20, "10MiB"),
        ((1 << 30) + (512 << 20), "1GiB512MiB"),
        (-1024, "-1KiB"),
    ];
    for (n, want) in cases {
        assert_eq!(ByteSize::new(n).to_string(), want);
        assert_eq!(ByteSize::parse(want).unwrap().bytes(), n);
    }
    assert_eq!(ByteSize::new(0).limit(), None);
    assert_eq!(ByteSize::new(-5).limit(), None);
    assert_eq!(ByteSize::new(5).limit(), Some(5));
}
