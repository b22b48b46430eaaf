//! A macro for the protocol's C-like enums that travel as JSON integers (command numbers,
//! severities, states, error codes). Unknown numbers are a decoding error, never a panic.

/// Declares an enum whose variants have fixed integer values on the wire.
///
/// Generates `ALL`, `code()`, `TryFrom<i64>`, and serde impls that read and write a JSON
/// integer. The TypeScript binding is a numeric `enum` with the same values.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
        #[ts(repr(enum))]
        $vis enum $name {
            $( $(#[$vmeta])* $variant = $value ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The number this variant has on the wire.
            pub const fn code(self) -> $repr {
                self as $repr
            }
        }

        impl TryFrom<i64> for $name {
            type Error = $crate::Error;

            fn try_from(value: i64) -> Result<Self, $crate::Error> {
                match value {
                    $( v if v == $value => Ok($name::$variant), )+
                    other => Err($crate::Error::UnknownNumber { what: stringify!($name), value: other }),
                }
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                i64::from(value.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(i64::from(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = i64::deserialize(deserializer)?;
                $name::try_from(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use int_enum;
